"""What the registry tells the capabilities built on it, which it must not import."""

from django.dispatch import Signal

# Sent with `actor` and `membership` when a membership starts one by one: a person
# admitted (`services.admission.admit_member`) or transferred
# (`services.transfers.transfer_membership`), inside the transaction of the change.
membership_started = Signal()

# Sent with `roots` (the paths of the subtrees an importer may write to; None for
# the whole tree, the command line) when an import has written memberships,
# inside its transaction: what follows a membership started one by one can then
# follow in bulk for the subtrees (a card for each new member).
memberships_imported = Signal()

# Sent with `step` (a progress callback taking a message) once the demo union is
# committed (`demo.builder.build_demo`): each capability adds its part of the demo.
demo_built = Signal()

"""What the tree tells the capabilities built on it, which it must not import."""

from django.dispatch import Signal

# Sent with `unit` when an organization is opened one by one (`changes.open_unit`),
# inside the transaction that opens it.
unit_opened = Signal()

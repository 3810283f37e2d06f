"""Make the one-active-membership index again.

On PostgreSQL, 0003's change of ``Membership.person`` to ``db_index=False`` dropped
every index on ``person_id`` alone, the partial unique index of this constraint
with it. Removing the constraint (``DROP INDEX IF EXISTS``) and adding it back
restores it wherever it went missing and changes nothing where it did not.
"""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_fewer_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="membership",
            name="membership_one_active",
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                condition=Q(left_on__isnull=True),
                fields=("person",),
                name="membership_one_active",
            ),
        ),
    ]

"""Cards remember the membership they were issued under; one unrevoked card a person.

Existing cards take the membership their holder had on the day of issue (else the
latest); a person's older unrevoked cards are marked replaced by the newest.
"""

import django.db.models.deletion
from django.db import migrations, models


def issued_under(apps, schema_editor):
    Card = apps.get_model("cards", "Card")
    Membership = apps.get_model("registry", "Membership")
    newest: dict[int, int] = {}
    for card in Card.objects.order_by("person_id", "-serial"):
        memberships = Membership.objects.filter(person_id=card.person_id)
        at_issue = (
            memberships.filter(joined_on__lte=card.issued_on)
            .order_by("-joined_on", "-pk")
            .first()
            or memberships.order_by("-joined_on", "-pk").first()
        )
        card.membership_id = at_issue.pk
        if card.revoked_on is None and card.person_id in newest:
            card.revoked_on, card.revoke_reason = card.issued_on, "replaced"
        newest.setdefault(card.person_id, card.pk)
        card.save(update_fields=["membership", "revoked_on", "revoke_reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("cards", "0001_initial"),
        ("registry", "0004_restore_one_active_membership"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="membership",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="registry.membership",
            ),
        ),
        migrations.AlterField(
            model_name="card",
            name="revoke_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("lost", "Lost or stolen"),
                    ("damaged", "Damaged"),
                    ("details_changed", "Name or organization changed"),
                    ("withdrawn", "Withdrawn by the union"),
                    ("key_retired", "Its signing key was retired"),
                    ("replaced", "Replaced by a new card"),
                ],
                max_length=16,
                verbose_name="reason",
            ),
        ),
        migrations.RunPython(issued_under, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="card",
            name="membership",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="registry.membership",
            ),
        ),
        migrations.AddConstraint(
            model_name="card",
            constraint=models.UniqueConstraint(
                condition=models.Q(("revoked_on__isnull", True)),
                fields=("person",),
                name="card_one_unrevoked_per_person",
            ),
        ),
    ]

"""A payroll list pays the members under one organization (lists recorded before
were the whole union's)."""

import django.db.models.deletion
from django.db import migrations, models


def whole_union(apps, schema_editor):
    PayrollList = apps.get_model("dues", "PayrollList")
    OrgUnit = apps.get_model("orgtree", "OrgUnit")
    root = OrgUnit.objects.filter(parent=None).order_by("pk").first()
    if root is not None:
        PayrollList.objects.filter(unit=None).update(unit=root)


class Migration(migrations.Migration):
    dependencies = [
        ("dues", "0002_payroll_lists"),
        ("orgtree", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="payrolllist",
            name="unit",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgtree.orgunit",
                verbose_name="organization",
            ),
        ),
        migrations.RunPython(whole_union, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payrolllist",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgtree.orgunit",
                verbose_name="organization",
            ),
        ),
    ]

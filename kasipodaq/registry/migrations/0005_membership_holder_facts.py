from django.db import migrations, models



# Each membership takes its holder's sex and date of birth, as the person has them.
def copy_from_people(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE registry_membership SET
                sex = (SELECT p.sex FROM registry_person p
                       WHERE p.id = registry_membership.person_id),
                birth_date = (SELECT p.birth_date FROM registry_person p
                              WHERE p.id = registry_membership.person_id)
            """
        )
        if schema_editor.connection.vendor == 'postgresql':
            # PostgreSQL alters no table with foreign-key checks still pending.
            cursor.execute('SET CONSTRAINTS ALL IMMEDIATE')


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_restore_one_active_membership'),
    ]

    operations = [
        migrations.AddField(
            model_name='membership',
            name='sex',
            field=models.CharField(choices=[('M', 'Male'), ('F', 'Female')], editable=False, max_length=1, null=True, verbose_name='sex'),
        ),
        migrations.AddField(
            model_name='membership',
            name='birth_date',
            field=models.DateField(editable=False, null=True, verbose_name='date of birth'),
        ),
        migrations.RunPython(copy_from_people, elidable=False),
        migrations.AlterField(
            model_name='membership',
            name='sex',
            field=models.CharField(choices=[('M', 'Male'), ('F', 'Female')], editable=False, max_length=1, verbose_name='sex'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='birth_date',
            field=models.DateField(editable=False, verbose_name='date of birth'),
        ),
    ]

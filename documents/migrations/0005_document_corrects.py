import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def link_award_corrections(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Corrections issued before the link was recorded: each corrected award's sealed copy points to the
    sealed copy of the award it corrects (documents name their award by subject "award:<id>")."""
    Award = apps.get_model("arbitration", "Award")
    IssuedDocument = apps.get_model("documents", "IssuedDocument")
    for award in Award.objects.filter(corrects__isnull=False, status="issued"):
        executed = IssuedDocument.objects.filter(kind="arbitral_award", status="executed")
        corrected = executed.filter(case_id=award.case_id, subject=f"award:{award.corrects_id}").first()
        if corrected is not None:
            executed.filter(case_id=award.case_id, subject=f"award:{award.pk}").update(corrects=corrected)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_arbitrator_documents"),
        ("arbitration", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="issueddocument",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="corrections",
                to="documents.issueddocument",
            ),
        ),
        migrations.RunPython(link_award_corrections, migrations.RunPython.noop),
    ]

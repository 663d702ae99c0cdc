from django.db import migrations, models


def record_chosen_languages(apps, schema_editor):
    """Parties already on a case keep the language their documents were issued in so far: the one their
    account chose, which is what decided it before the language was recorded on the case."""
    CaseParty = apps.get_model("cases", "CaseParty")
    UserPreference = apps.get_model("cases", "UserPreference")
    chinese = UserPreference.objects.filter(language="zh-hant").values("user_id")
    CaseParty.objects.filter(user_id__in=chinese).update(language="zh-hant")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_security_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseparty",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("zh-hant", "Traditional Chinese")],
                default="en",
                max_length=10,
                verbose_name="language of documents",
            ),
        ),
        migrations.RunPython(record_chosen_languages, migrations.RunPython.noop),
    ]

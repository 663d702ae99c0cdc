"""Publish version 1 of the Centre's first templates (sale of goods, supply of services, memorandum of
understanding), so a fresh platform can start deals at once (``deals.services.templates.
first_templates_publish`` does the same with today's model, for a database emptied since)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone


def publish(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from deals.catalogue import FIRST_TEMPLATES, template_body

    DealTemplate = apps.get_model("deals", "DealTemplate")
    for template in FIRST_TEMPLATES:
        if DealTemplate.objects.filter(key=template["key"]).exists():
            continue
        DealTemplate.objects.create(
            key=template["key"],
            version=1,
            status="published",
            title_en=template["title"]["en"],
            title_zh=template["title"]["zh-hant"],
            body=template_body(template),
            published_at=timezone.now(),
        )


def unpublish(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from deals.catalogue import FIRST_TEMPLATES

    DealTemplate = apps.get_model("deals", "DealTemplate")
    keys = [template["key"] for template in FIRST_TEMPLATES]
    DealTemplate.objects.filter(key__in=keys, version=1, deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunPython(publish, unpublish)]

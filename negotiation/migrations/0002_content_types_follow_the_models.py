# The content types of the moved models (which the admin's permissions and its history point to) follow
# them from the cases app to this one, so a permission given on a model, say "view message", is still given
# after the move, and no second, empty set of permissions appears beside it. Nothing to do on a new
# database: its content types are created after the migrations, already under this app.

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

MOVED = ["message", "offer", "blindbid", "negotiationstate", "roompresence", "readmarker"]


def _relabel(apps: Apps, schema_editor: BaseDatabaseSchemaEditor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(ContentType.objects.using(db).filter(app_label=new, model__in=MOVED).values_list("model", flat=True))
    # A model already known under the new label keeps that content type; the old one is left as it was.
    ContentType.objects.using(db).filter(app_label=old, model__in=set(MOVED) - taken).update(app_label=new)


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _relabel(apps, schema_editor, old="cases", new="negotiation")


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _relabel(apps, schema_editor, old="negotiation", new="cases")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cases', '0012_negotiation_moved_to_its_app'),
        ('negotiation', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]

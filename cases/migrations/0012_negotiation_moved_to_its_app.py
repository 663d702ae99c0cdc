# The negotiation room's models now live in the negotiation app (its migration 0001, which created them there
# in Django's state only). Their tables stay as they are, under the same names: this migration removes the
# models from the cases app's state and points CaseSettlement.offer at negotiation.Offer, and changes nothing
# in the database. The settlement's field is altered before the old Offer goes, so the state never holds a
# relation to a model that is not there.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0011_settlement_pay_by'),
        ('negotiation', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='casesettlement',
                    name='offer',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='negotiation.offer'),
                ),
                migrations.DeleteModel(name='NegotiationState'),
                migrations.DeleteModel(name='BlindBid'),
                migrations.DeleteModel(name='Message'),
                migrations.DeleteModel(name='Offer'),
                migrations.DeleteModel(name='ReadMarker'),
                migrations.DeleteModel(name='RoomPresence'),
            ],
        ),
    ]

# The negotiation room's models, moved here from the cases app with their tables: each keeps its table
# (Meta.db_table "cases_..."), its columns, constraints and indexes, so this migration only tells Django's
# state where the models now live and changes nothing in the database. On a new database the tables were
# created by cases 0002 and 0011; on an existing one they hold the rows as they are. cases 0012 then
# removes the models from the cases app's state and points CaseSettlement.offer here.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0011_settlement_pay_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='NegotiationState',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('extension_requested_by', models.CharField(blank=True, choices=[('claimant', 'Claimant'), ('respondent', 'Respondent')], max_length=12)),
                        ('extension_requested_at', models.DateTimeField(blank=True, null=True)),
                        ('extended_at', models.DateTimeField(blank=True, null=True)),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='negotiation', to='cases.case')),
                    ],
                    options={
                        'db_table': 'cases_negotiationstate',
                    },
                ),
                migrations.CreateModel(
                    name='BlindBid',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveSmallIntegerField()),
                        ('claimant_figure', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ('respondent_figure', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ('outcome', models.CharField(choices=[('pending', 'Waiting for both figures'), ('settled', 'Settled'), ('no_settlement', 'No settlement this round')], default='pending', max_length=16)),
                        ('settled_amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blind_bids', to='cases.case')),
                    ],
                    options={
                        'db_table': 'cases_blindbid',
                        'ordering': ['number'],
                        'constraints': [models.UniqueConstraint(fields=('case', 'number'), name='one_bid_round_per_number')],
                    },
                ),
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sender_role', models.CharField(choices=[('claimant', 'Claimant'), ('respondent', 'Respondent')], max_length=12)),
                        ('body', models.TextField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='cases.case')),
                        ('document', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.document')),
                        ('sender', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_message',
                        'ordering': ['id'],
                        'indexes': [models.Index(fields=['case', 'id'], name='message_case_id')],
                    },
                ),
                migrations.CreateModel(
                    name='Offer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('maker_role', models.CharField(choices=[('claimant', 'Claimant'), ('respondent', 'Respondent')], max_length=12)),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
                        ('terms', models.TextField(blank=True)),
                        ('pay_by', models.DateField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('countered', 'Countered'), ('withdrawn', 'Withdrawn'), ('expired', 'Expired'), ('superseded', 'Closed by the settlement')], default='open', max_length=12)),
                        ('responded_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='cases.case')),
                        ('counter_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='counters', to='negotiation.offer')),
                        ('maker', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('responded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_offer',
                        'ordering': ['id'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('case', 'maker_role'), name='one_open_offer_per_party'), models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='offer_amount_not_negative')],
                    },
                ),
                migrations.CreateModel(
                    name='ReadMarker',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('last_read_id', models.PositiveBigIntegerField(default=0)),
                        ('last_digest_id', models.PositiveBigIntegerField(default=0)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_readmarker',
                        'constraints': [models.UniqueConstraint(fields=('case', 'user'), name='one_read_marker')],
                    },
                ),
                migrations.CreateModel(
                    name='RoomPresence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel_name', models.CharField(max_length=200, unique=True)),
                        ('last_seen', models.DateTimeField()),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'cases_roompresence',
                        'indexes': [models.Index(fields=['case', 'last_seen'], name='presence_case_seen')],
                    },
                ),
            ],
        ),
    ]

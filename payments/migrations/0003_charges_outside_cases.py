"""A charge may belong to a record other than a case (a deal), named by its subject; every charge says which
business owes it and who pays (for the charges on cases so far: their party's, copied in by ``_owers``);
schedules price the deal-making fee per business size."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import OuterRef, Subquery


def _owers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Charge = apps.get_model("payments", "Charge")
    CaseParty = apps.get_model("cases", "CaseParty")
    party = CaseParty.objects.filter(pk=OuterRef("party_id"))
    Charge.objects.update(
        organisation=Subquery(party.values("organisation_id")[:1]), payer=Subquery(party.values("user_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0013_audit_subject'),
        ('payments', '0002_payment_duplicate'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='charge',
            name='organisation',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='cases.organisation'),
        ),
        migrations.AddField(
            model_name='charge',
            name='payer',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='charge',
            name='subject',
            field=models.CharField(blank=True, default='', max_length=60),
        ),
        migrations.AddField(
            model_name='charge',
            name='subject_reference',
            field=models.CharField(blank=True, default='', max_length=30),
        ),
        migrations.AddField(
            model_name='feeschedule',
            name='deal_fee_large',
            field=models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=10, validators=[django.core.validators.MinValueValidator(0)], verbose_name='deal-making fee per business, large enterprise (HK$)'),
        ),
        migrations.AddField(
            model_name='feeschedule',
            name='deal_fee_medium',
            field=models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=10, validators=[django.core.validators.MinValueValidator(0)], verbose_name='deal-making fee per business, medium enterprise (HK$)'),
        ),
        migrations.AddField(
            model_name='feeschedule',
            name='deal_fee_micro',
            field=models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=10, validators=[django.core.validators.MinValueValidator(0)], verbose_name='deal-making fee per business, micro enterprise (HK$)'),
        ),
        migrations.AddField(
            model_name='feeschedule',
            name='deal_fee_small',
            field=models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=10, validators=[django.core.validators.MinValueValidator(0)], verbose_name='deal-making fee per business, small enterprise (HK$)'),
        ),
        migrations.AlterField(
            model_name='charge',
            name='case',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='cases.case'),
        ),
        migrations.AlterField(
            model_name='charge',
            name='kind',
            field=models.CharField(choices=[('registration', 'Registration fee'), ('mediation', 'Mediation fee'), ('arbitration', 'Arbitration fee'), ('deal', 'Deal-making fee')], max_length=20),
        ),
        migrations.AlterField(
            model_name='charge',
            name='party',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='cases.caseparty'),
        ),
        migrations.AlterField(
            model_name='feewaiverrule',
            name='fee_kind',
            field=models.CharField(blank=True, choices=[('registration', 'Registration fee'), ('mediation', 'Mediation fee'), ('arbitration', 'Arbitration fee'), ('deal', 'Deal-making fee')], max_length=20, verbose_name='fee'),
        ),
        migrations.RunPython(_owers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='charge',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='cases.organisation'),
        ),
        migrations.AlterField(
            model_name='charge',
            name='payer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.UniqueConstraint(condition=models.Q(models.Q(('status', 'cancelled'), _negated=True), models.Q(('subject', ''), _negated=True)), fields=('subject', 'organisation', 'kind'), name='one_live_charge_per_subject_fee'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('case__isnull', False), ('party__isnull', False), ('subject', '')), models.Q(('case__isnull', True), ('party__isnull', True), models.Q(('subject', ''), _negated=True)), _connector='OR'), name='charge_on_a_case_or_a_subject'),
        ),
    ]

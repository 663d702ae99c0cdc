"""Moving the negotiation room's models from the cases app into their own app keeps every row: a database at
the state before the move (cases 0011), holding messages, offers, bids, a settlement from an accepted offer, the
room's bookkeeping and the models' content types, is migrated forward, and the new models read the same rows,
with the same ids and values, from the same tables. Runs on the test run's database (SQLite, or PostgreSQL
with DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from cases.models import CaseSettlement, SettlementSource
from negotiation.models import BlindBid, Message, NegotiationState, Offer, ReadMarker, RoomPresence

BEFORE_THE_MOVE = [("cases", "0011_settlement_pay_by"), ("negotiation", None)]
MOVED = (Message, Offer, BlindBid, NegotiationState, RoomPresence, ReadMarker)
WHEN = dt.datetime(2030, 3, 4, 7, 5, tzinfo=dt.UTC)


def _migrate_back() -> Any:
    """Migrate the test database to where it was before the move; the historical models there."""
    return MigrationExecutor(connection).migrate(BEFORE_THE_MOVE).apps


def _migrate_forward() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _rows_before_the_move(old: Any) -> dict[str, Any]:
    """One of each room row, written with the models as the cases app had them."""
    user_model = old.get_model("auth", "User")
    alice = user_model.objects.create(username="alice-move", email="alice-move@example.com")
    bob = user_model.objects.create(username="bob-move", email="bob-move@example.com")
    case = old.get_model("cases", "Case").objects.create(
        reference="ODR-MOVE-1", status="settlement", created_by=alice, amount_claimed=Decimal("9000.00")
    )
    document = old.get_model("cases", "Document").objects.create(case=case, title="Invoice 42", created_by=alice)
    message_model, offer_model = old.get_model("cases", "Message"), old.get_model("cases", "Offer")
    first = message_model.objects.create(case=case, sender=alice, sender_role="claimant", body="8,000 would do.")
    cited = message_model.objects.create(
        case=case, sender=bob, sender_role="respondent", body="See the invoice. 八千元", document=document
    )
    offer = offer_model.objects.create(
        case=case, maker=alice, maker_role="claimant", amount=Decimal("8000.00"), terms="Paid in 14 days",
        pay_by=dt.date(2030, 4, 1), expires_at=WHEN, status="countered", responded_by=bob, responded_at=WHEN,
    )  # fmt: skip
    counter = offer_model.objects.create(
        case=case, maker=bob, maker_role="respondent", amount=Decimal("7000.50"), status="accepted", counter_to=offer
    )
    bid = old.get_model("cases", "BlindBid").objects.create(
        case=case, number=1, claimant_figure=Decimal("9100.00"), respondent_figure=Decimal("1357.91"),
        outcome="no_settlement", closed_at=WHEN,
    )  # fmt: skip
    state = old.get_model("cases", "NegotiationState").objects.create(
        case=case, extension_requested_by="respondent", extension_requested_at=WHEN, extended_at=WHEN
    )
    presence = old.get_model("cases", "RoomPresence").objects.create(
        case=case, user=alice, channel_name="specific..inmemory!move", last_seen=WHEN
    )
    marker = old.get_model("cases", "ReadMarker").objects.create(
        case=case, user=bob, last_read_id=first.pk, last_digest_id=cited.pk
    )
    settlement = old.get_model("cases", "CaseSettlement").objects.create(
        case=case, amount=counter.amount, terms="Paid in 14 days", source="offer", offer=counter
    )
    return {
        "message": first, "cited": cited, "offer": offer, "counter": counter, "bid": bid, "state": state,
        "presence": presence, "marker": marker, "settlement": settlement, "document": document,
    }  # fmt: skip


def _content_types_before_the_move(old: Any) -> dict[str, int]:
    """The moved models' content types as an existing database has them: under the cases app."""
    content_type_model, content_types = old.get_model("contenttypes", "ContentType"), {}
    for model in MOVED:
        name = model._meta.model_name
        found, _created = content_type_model.objects.get_or_create(app_label="cases", model=name)
        content_types[name] = found.pk
    return content_types


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_in_the_same_table():
    tables_before = set(connection.introspection.table_names())
    old = _migrate_back()
    assert not any(model._meta.app_label == "negotiation" for model in old.get_models())
    assert ("negotiation", "0001_initial") not in MigrationRecorder(connection).applied_migrations()
    rows = _rows_before_the_move(old)
    content_types = _content_types_before_the_move(old)

    _migrate_forward()

    assert set(connection.introspection.table_names()) == tables_before
    assert {model._meta.db_table for model in MOVED} == {
        "cases_message", "cases_offer", "cases_blindbid", "cases_negotiationstate", "cases_roompresence",
        "cases_readmarker",
    }  # fmt: skip
    assert not any(table.startswith("negotiation_") for table in tables_before)

    first, cited = Message.objects.get(pk=rows["message"].pk), Message.objects.get(pk=rows["cited"].pk)
    assert (first.case_id, first.sender_id, first.sender_role, first.body, first.document_id) == (
        rows["message"].case_id, rows["message"].sender_id, "claimant", "8,000 would do.", None,
    )  # fmt: skip
    assert (cited.body, cited.document_id, cited.created_at) == (
        "See the invoice. 八千元", rows["document"].pk, rows["cited"].created_at,
    )  # fmt: skip

    offer, counter = Offer.objects.get(pk=rows["offer"].pk), Offer.objects.get(pk=rows["counter"].pk)
    assert (offer.amount, offer.terms, offer.pay_by, offer.expires_at, offer.status, offer.responded_by_id) == (
        Decimal("8000.00"), "Paid in 14 days", dt.date(2030, 4, 1), WHEN, "countered", rows["counter"].maker_id,
    )  # fmt: skip
    assert (counter.counter_to, counter.amount, counter.status) == (offer, Decimal("7000.50"), "accepted")

    bid = BlindBid.objects.get(pk=rows["bid"].pk)
    assert (bid.case_id, bid.number, bid.claimant_figure, bid.respondent_figure, bid.outcome, bid.closed_at) == (
        rows["bid"].case_id, 1, Decimal("9100.00"), Decimal("1357.91"), "no_settlement", WHEN,
    )  # fmt: skip
    state = NegotiationState.objects.get(pk=rows["state"].pk)
    assert (state.case_id, state.extension_requested_by, state.extended_at) == (
        rows["state"].case_id, "respondent", WHEN,
    )  # fmt: skip
    presence = RoomPresence.objects.get(pk=rows["presence"].pk)
    assert (presence.user_id, presence.channel_name, presence.last_seen) == (
        rows["presence"].user_id, "specific..inmemory!move", WHEN,
    )  # fmt: skip
    marker = ReadMarker.objects.get(pk=rows["marker"].pk)
    assert (marker.user_id, marker.last_read_id, marker.last_digest_id) == (
        rows["marker"].user_id, first.pk, cited.pk,
    )  # fmt: skip

    # The settlement stayed in the core and points at the same offer, now the negotiation app's.
    settlement = CaseSettlement.objects.select_related("offer").get(pk=rows["settlement"].pk)
    assert (settlement.source, settlement.amount, settlement.offer) == (SettlementSource.OFFER, counter.amount, counter)
    assert isinstance(settlement.offer, Offer)
    assert settlement.case.messages.count() == 2
    assert settlement.case.offers.count() == 2

    # Their content types (and so the admin's permissions on them) followed the models.
    ContentType.objects.clear_cache()
    for model in MOVED:
        assert ContentType.objects.get_for_model(model).pk == content_types[model._meta.model_name]
    assert not ContentType.objects.filter(app_label="cases", model__in=content_types).exists()
    assert current_apps.get_model("negotiation", "Offer") is Offer

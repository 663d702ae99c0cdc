"""Dates, times, numbers and HK$ amounts as each language writes them (odr/formats): English "4 March 2030,
15:05", Chinese "2030年3月4日 15:05" (24-hour in both), numbers grouped in threes with commas in both, HK$
amounts the same in both; times in Hong Kong time unless the visitor chose another zone."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from cases.models import Case, UserPreference
from cases.money import format_hkd
from cases.notifications import queue_email
from negotiation.services.messages import message_post
from negotiation.services.offers import offer_make

OPEN, CLOSE = "\uff08", "\uff09"  # full-width brackets, as Chinese text writes them
# 07:05 UTC is 15:05 in Hong Kong (UTC+8) and 07:05 in London (no summer time in early March).
DEADLINE = datetime(2030, 3, 4, 7, 5, tzinfo=UTC)


def _text(html: str) -> str:
    """What a person reads in the page's main content: the tags gone, the spaces collapsed."""
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    assert f'lang="{language}"' in response.text
    return _text(response.text)


@pytest.mark.parametrize(
    ("language", "due", "amount", "timeline"),
    [
        ("en", "Due 4 March 2030, 15:05 (Hong Kong time).", "Amount claimed HK$12,345.67", "{day} {t:%b %Y, %H:%M}"),
        (
            "zh-hant",
            f"限期為2030年3月4日 15:05{OPEN}香港時間{CLOSE}。",
            "申索金額 HK$12,345.67",
            "{t.year}年{t.month}月{day}日 {t:%H:%M}",
        ),
    ],
)
def test_the_case_page_writes_dates_times_and_amounts_in_its_language(
    negotiation_case, claimant, client_for, language, due, amount, timeline
):
    Case.objects.filter(pk=negotiation_case.pk).update(deadline_at=DEADLINE)
    text = _page(client_for(claimant), f"/cases/{negotiation_case.public_id}/", language)
    assert due in text
    assert amount in text
    filed = negotiation_case.audit.order_by("pk").first().created_at.astimezone(ZoneInfo("Asia/Hong_Kong"))
    assert timeline.format(t=filed, day=filed.day) in text  # the timeline's first entry
    assert "HKT" not in text
    assert "12345.67" not in text


def test_a_visitor_who_chose_another_time_zone_sees_times_in_it(negotiation_case, claimant, client_for):
    Case.objects.filter(pk=negotiation_case.pk).update(deadline_at=DEADLINE)
    client = client_for(claimant)
    client.cookies["odr_timezone"] = "Europe/London"
    text = _page(client, f"/cases/{negotiation_case.public_id}/", "en")
    assert "Due 4 March 2030, 07:05 (Europe/London)." in text
    assert "15:05" not in text
    chinese = _page(client, f"/cases/{negotiation_case.public_id}/", "zh-hant")
    assert f"限期為2030年3月4日 07:05{OPEN}Europe/London{CLOSE}。" in chinese


@pytest.mark.parametrize(
    ("language", "until", "message_time"),
    [
        ("en", "Open until 4 Mar 2030, 15:05", "{day} {t:%b %Y, %H:%M}"),
        ("zh-hant", "有效至2030年3月4日 15:05", "{t.year}年{t.month}月{day}日 {t:%H:%M}"),
    ],
)
def test_the_negotiation_rooms_offer_and_messages_in_its_language(
    negotiation_case, claimant, respondent, client_for, language, until, message_time
):
    offer_make(
        case=negotiation_case,
        user=respondent,
        amount=Decimal("12000.50"),
        terms="Paid in 14 days.",
        expires_at=DEADLINE,
    )
    message = message_post(case=negotiation_case, user=respondent, body="請查閱 the revised figures.")
    sent = message.created_at.astimezone(ZoneInfo("Asia/Hong_Kong"))
    client = client_for(claimant)
    url = f"/cases/{negotiation_case.public_id}/negotiation/"
    text = _page(client, url, language)
    assert "HK$12,000.50" in text  # the offer, the same in both languages
    assert until in text
    assert message_time.format(t=sent, day=sent.day) in text
    assert "請查閱 the revised figures." in text
    # The panels the live page fetches after a room event say the same.
    panels = client.get(url + "?partial=panels").text
    assert "HK$12,000.50" in panels
    assert until in re.sub(r"\s+", " ", panels)


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_numbers_are_grouped_in_threes_with_commas_in_both_languages(language):
    with translation.override(language):
        rendered = Template("{% load humanize %}{{ n|intcomma }} · {{ x|intcomma }}").render(
            Context({"n": 1234567, "x": Decimal("1234567.5")})
        )
        assert rendered == "1,234,567 · 1,234,567.5"
        assert format_hkd(Decimal("1234567.5")) == "HK$1,234,567.50"


def test_emails_write_dates_in_the_recipients_language(negotiation_case, claimant, respondent, run_tasks):
    UserPreference.objects.create(user=respondent, language="zh-hant")
    Case.objects.filter(pk=negotiation_case.pk).update(deadline_at=DEADLINE)
    negotiation_case.refresh_from_db()
    run_tasks()
    queue_email(to=[claimant.email, respondent.email], template="deadline_reminder", context={"case": negotiation_case})
    sent = {message.to[0]: message.body for message in run_tasks()}
    assert "4 March 2030, 15:05 (Hong Kong time)" in sent[claimant.email]
    assert "2030年3月4日 15:05" in sent[respondent.email]


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_timeline_amounts_are_grouped_like_every_other_amount(
    negotiation_case, claimant, respondent, client_for, fee_schedule, language
):
    from negotiation.services.offers import offer_accept

    offer = offer_make(case=negotiation_case, user=respondent, amount=Decimal("9000.00"), terms="")
    offer_accept(case=negotiation_case, user=claimant, offer_id=offer.pk)
    text = _page(client_for(claimant), f"/cases/{negotiation_case.public_id}/", language)
    assert text.count("HK$9,000.00") >= 2  # the offer and the agreed settlement
    assert "HK$9000.00" not in text


def test_error_messages_write_amounts_like_every_other_amount(proceedings, arbitrator):
    from arbitration.services.award import award_draft_save
    from cases.services import ServiceError
    from tests.test_arbitration import _all_due, _terms

    _all_due(proceedings)
    with pytest.raises(ServiceError) as refused:
        award_draft_save(
            case=proceedings,
            user=arbitrator,
            terms=_terms(claim_awarded=Decimal("41000.00"), net_amount=Decimal("41500.50")),
        )
    assert "HK$12,345.67" in refused.value.message
    with pytest.raises(ServiceError) as refused:
        award_draft_save(case=proceedings, user=arbitrator, terms=_terms(net_amount=Decimal("1.00")))
    assert "pays HK$10,500.50." in refused.value.message

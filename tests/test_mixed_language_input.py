"""Names and text in Chinese, English or both (and emoji) are kept exactly as typed, in the database and on the
page. Amounts typed with a Chinese input method (full-width digits, comma, full stop and "HK$") are read
after Unicode NFKC normalisation; anything that is not an amount in figures (一萬, other scripts' digits,
misplaced commas) is refused with "Enter an amount in Hong Kong dollars." and nothing is saved."""

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Case, CaseStatus, Organisation
from negotiation.models import Offer

BUSINESS = "陳大文 Trading (香港) 有限公司"
ADDRESS = "香港中環皇后大道中1號 12樓\n12/F, 1 Queen's Road Central, Hong Kong"
RESPONDENT = "大華貿易\uff08香港\uff09有限公司 Tai Wah Trading (HK) Limited"  # Chinese full-width brackets
FACTS = "2020年3月的展覽 🎪 was cancelled; 按金 HK$12,345.67 未獲退還 (deposit not refunded) 😞."
IMPACT = "政府因 COVID-19 關閉展覽場地。The venue closed by order."
REMEDY = "退還按金 Refund the deposit 💰"


def _text(response) -> str:
    """What the page says: its tags removed and its entities decoded (an apostrophe is sent as &#x27;)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def _field_value(response, name: str) -> str:
    """What a text input shows: its value attribute, decoded."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.content.decode())
    assert found, f"no value in the {name} field"
    return html.unescape(found.group(1))


def step_url(case: Case, step: int) -> str:
    return reverse("cases:file_step", kwargs={"case_id": case.public_id, "step": step})


def _organisation(client, **changes):
    data = {
        "name": BUSINESS,
        "is_hk_registered": "on",
        "br_number": "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # 12345678 typed in full-width
        "size_band": "micro",
        "address": ADDRESS,
        "contact_email": "chan@example.hk",
        "contact_phone": "+852 2345 6789",
        **changes,
    }
    return client.post(reverse("cases:organisation_create"), data)


def test_a_business_profile_in_chinese_and_english_round_trips(claimant, client_for):
    client = client_for(claimant)
    assert _organisation(client).status_code == 302
    organisation = Organisation.objects.get(members=claimant)
    assert organisation.name == BUSINESS
    assert organisation.address == ADDRESS
    assert organisation.br_number == "12345678"  # the same number, in the digits every page and search uses
    for language in ("en", "zh-hant"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        assert BUSINESS in _text(client.get(reverse("cases:organisation_list")))
        edit = client.get(reverse("cases:organisation_edit", kwargs={"organisation_id": organisation.pk}))
        assert _field_value(edit, "name") == BUSINESS
        assert _field_value(edit, "br_number") == "12345678"
        assert ADDRESS in _text(edit)  # the textarea gives the address back as typed, both lines


@pytest.mark.parametrize(
    "br_number", ["\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "\uff11\uff12\uff13\uff14-\uff15\uff16\uff17"]
)
def test_a_business_registration_number_in_other_digits_is_refused(claimant, client_for, br_number):
    response = _organisation(client_for(claimant), br_number=br_number)
    assert response.status_code == 200
    assert "A Business Registration number is 8 digits, e.g. 12345678." in _text(response)
    assert not Organisation.objects.filter(members=claimant).exists()


def test_a_claim_in_mixed_languages_is_filed_and_shown_exactly(claimant, client_for):
    client = client_for(claimant)
    _organisation(client)
    organisation = Organisation.objects.get(members=claimant)
    client.post(reverse("cases:file_start"), {"organisation": organisation.pk})
    case = Case.objects.get(status=CaseStatus.DRAFT)
    steps = {
        1: {"respondent_name": RESPONDENT, "respondent_email": "info@taiwah.example.hk", "respondent_is_hk": "on"},
        2: {"category": "services", "covid_related": "on", "covid_impact": IMPACT, "facts": FACTS},
        # HK$12,345.67 typed in full-width with a Chinese input method
        3: {
            "amount_claimed": "\uff28\uff2b\uff04\uff11\uff12\uff0c\uff13\uff14\uff15\uff0e\uff16\uff17",
            "remedy_sought": REMEDY,
        },
        4: {"continue": "1"},
        5: {"accept_terms": "on"},
    }
    for step, data in steps.items():
        response = client.post(step_url(case, step), data)
        assert response.status_code == 302, (step, _text(response)[-2000:])
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_RESPONSE
    assert (case.respondent_name, case.facts, case.covid_impact, case.remedy_sought) == (
        RESPONDENT,
        FACTS,
        IMPACT,
        REMEDY,
    )
    assert case.amount_claimed == Decimal("12345.67")
    for language in ("en", "zh-hant"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = _text(client.get(reverse("cases:detail", kwargs={"case_id": case.public_id})))
        for typed in (BUSINESS, RESPONDENT, FACTS, IMPACT, REMEDY, "HK$12,345.67"):
            assert typed in page, (language, typed)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("\uff11\uff12\uff13\uff14", "1234"),  # full-width digits
        ("\uff11\uff12\uff13\uff14\uff0e\uff15", "1234.5"),  # and a full-width full stop
        ("12,345.67", "12345.67"),
        ("HK$ 12,345", "12345"),
        ("hkd 500", "500"),
        (" 8000.50 ", "8000.50"),
    ],
)
def test_amounts_typed_with_a_chinese_input_method_or_separators_are_read(
    make_draft, claimant, client_for, typed, amount
):
    case = make_draft()
    response = client_for(claimant).post(step_url(case, 3), {"amount_claimed": typed, "remedy_sought": REMEDY})
    assert response.status_code == 302, _text(response)[-1500:]
    case.refresh_from_db()
    assert case.amount_claimed == Decimal(amount)


@pytest.mark.parametrize(
    "typed",
    [
        "一萬二千",  # Chinese numerals: write the figures
        "\u0661\u0662\u0663",  # Arabic-Indic digits, which Python's Decimal alone would take
        "12,34",  # a comma where no thousands separator goes
        "1.234,56",  # the continental way round
        "12.345.67",
        "12 345",
        "$",
        "twelve",
    ],
)
@pytest.mark.parametrize(
    ("language", "message"), [("en", "Enter an amount in Hong Kong dollars."), ("zh-hant", "請以港元輸入金額。")]
)
def test_anything_else_is_refused_with_a_clear_message(make_draft, claimant, client_for, typed, language, message):
    case = make_draft()
    case.refresh_from_db()
    before = case.amount_claimed
    client = client_for(claimant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(step_url(case, 3), {"amount_claimed": typed, "remedy_sought": REMEDY})
    assert response.status_code == 200
    assert message in _text(response)
    assert _field_value(response, "amount_claimed") == typed  # kept in the field as typed, to correct
    case.refresh_from_db()
    assert case.amount_claimed == before


def test_the_negotiation_rooms_plain_form_reads_full_width_amounts(negotiation_case, respondent, client_for):
    url = reverse("negotiation:action", kwargs={"case_id": negotiation_case.public_id, "action": "offer"})
    typed = "\uff28\uff2b\uff04\uff18\uff0c\uff10\uff10\uff10"  # HK$8,000 in full-width
    client = client_for(respondent)
    assert client.post(url, {"amount": typed, "terms": "分兩期付款 in two instalments"}).status_code == 302
    offer = Offer.objects.get(case=negotiation_case)
    assert (offer.amount, offer.terms) == (Decimal("8000"), "分兩期付款 in two instalments")
    refused = client.post(url, {"amount": "八千", "terms": ""}, follow=True)
    assert "Enter an amount in Hong Kong dollars." in _text(refused)
    assert Offer.objects.filter(case=negotiation_case).count() == 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_negotiation_rooms_socket_reads_full_width_amounts(negotiation_case, respondent):
    from tests.ws import communicator_for, next_of

    socket = await communicator_for(f"/ws/cases/{negotiation_case.public_id}/negotiation/", respondent)
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "hello"
    await socket.send_json_to(
        {"type": "offer.make", "amount": "\uff18\uff10\uff10\uff10\uff0e\uff15", "terms": "月底前"}
    )
    offer = (await next_of(socket, "offer"))["offer"]
    assert (offer["amount"], offer["terms"]) == ("8000.50", "月底前")
    await socket.send_json_to({"type": "offer.make", "amount": "八千", "terms": ""})
    error = await next_of(socket, "error")
    assert (error["code"], error["message"]) == ("invalid", "Enter an amount in Hong Kong dollars.")
    await socket.disconnect()

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, CaseStatus
from tests.conftest import make_organisation


def step_url(case, step):
    return reverse("cases:file_step", kwargs={"case_id": case.public_id, "step": step})


def start(client, org):
    response = client.post(reverse("cases:file_start"), {"organisation": org.pk})
    assert response.status_code == 302
    return Case.objects.get(status=CaseStatus.DRAFT)


def test_user_without_a_business_is_asked_to_add_one(claimant, client_for):
    response = client_for(claimant).get(reverse("cases:file_start"))
    assert response.status_code == 302
    assert reverse("cases:organisation_create") in response["Location"]


def test_organisation_form_validates_br_number(claimant, client_for):
    client = client_for(claimant)
    data = {
        "name": "Alpha",
        "is_hk_registered": "on",
        "br_number": "12ab",
        "size_band": "micro",
        "address": "HK",
        "contact_email": "a@example.com",
    }
    response = client.post(reverse("cases:organisation_create"), data)
    assert response.status_code == 200
    assert "8 digits" in response.text
    response = client.post(
        reverse("cases:organisation_create") + "?next=/cases/file/",
        {**data, "br_number": "12345678", "next": "/cases/file/"},
    )
    assert response["Location"] == "/cases/file/"


def test_wizard_keeps_a_draft_and_files(claimant, claimant_org, client_for, run_tasks):
    client = client_for(claimant)
    case = start(client, claimant_org)
    # Cannot skip ahead.
    assert client.get(step_url(case, 3))["Location"] == step_url(case, 1)
    response = client.post(
        step_url(case, 1), {"respondent_name": "Bravo", "respondent_email": "bob@example.com", "respondent_is_hk": "on"}
    )
    assert response["Location"] == step_url(case, 2)
    client.post(
        step_url(case, 2),
        {"category": "travel", "covid_related": "on", "covid_impact": "Flights cancelled", "facts": "Tour"},
    )
    # Bad amounts keep the user on the step with a clear message, and save nothing.
    for amount, message in [
        ("-1", "greater than or equal to 0.01"),
        ("12.345", "no more than 2 decimal places"),
        ("500000.01", "up to HK$500,000.00"),
        ("", "This field is required"),
    ]:
        response = client.post(step_url(case, 3), {"amount_claimed": amount, "remedy_sought": "Refund"})
        assert response.status_code == 200, amount
        assert message in response.text, amount
        case.refresh_from_db()
        assert case.amount_claimed is None
    client.post(step_url(case, 3), {"amount_claimed": "12345.67", "remedy_sought": "Refund"})
    # The draft is kept: coming back later shows the saved answers.
    assert "Flights cancelled" in client.get(step_url(case, 2)).text
    upload = client.post(step_url(case, 4), {"title": "Booking", "file": SimpleUploadedFile("b.pdf", b"%PDF-1.4 x")})
    assert upload.status_code == 302
    client.post(step_url(case, 4), {"continue": "1"})
    review = client.get(step_url(case, 5))
    assert "HK$12,345.67" in review.text
    assert "Booking" in review.text
    assert "Eligible" in review.text
    refused = client.post(step_url(case, 5), {})
    assert refused.status_code == 200
    assert "This field is required" in refused.text
    filed = client.post(step_url(case, 5), {"accept_terms": "on"})
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_RESPONSE
    assert filed["Location"] == reverse("cases:detail", kwargs={"case_id": case.public_id})
    page = client.get(filed["Location"]).text
    assert case.reference in page
    assert "Awaiting response" in page
    assert "What you need to do next" in page
    # Submitting the last step again does not file twice.
    again = client.post(step_url(case, 5), {"accept_terms": "on"})
    assert again["Location"] == filed["Location"]
    assert Case.objects.exclude(status=CaseStatus.DRAFT).count() == 1
    assert any("bob@example.com" in m.to for m in run_tasks())


def test_respondent_email_of_own_side_is_refused_in_the_form(claimant, claimant_org, client_for):
    client = client_for(claimant)
    case = start(client, claimant_org)
    response = client.post(step_url(case, 1), {"respondent_name": "Me", "respondent_email": "alice@example.com"})
    assert response.status_code == 200
    assert "belongs to your own side" in response.text


def test_ineligible_claim_shows_the_reason_on_review(make_draft, claimant, client_for):
    case = make_draft(covid_related=False)
    client = client_for(claimant)
    assert client.post(step_url(case, 4), {"continue": "1"})["Location"] == step_url(case, 5)
    review = client.get(step_url(case, 5)).text
    assert "Not eligible yet" in review
    assert "COVID-19" in review


def test_withdraw_from_the_case_page(negotiation_case, claimant, respondent, client_for):
    url = reverse("cases:withdraw", kwargs={"case_id": negotiation_case.public_id})
    assert client_for(respondent).post(url, {"reason": "x"}).status_code == 400
    assert "This field is required" in client_for(claimant).post(url, {"reason": ""}).text
    assert client_for(claimant).post(url, {"reason": "Settled privately"}).status_code == 302
    negotiation_case.refresh_from_db()
    assert negotiation_case.outcome == "withdrawn"


def test_neutrals_and_administrators_cannot_file(mediator, administrator, client_for):
    for user in (mediator, administrator):
        client = client_for(user)
        organisation = make_organisation(user, f"{user.username} Trading Ltd")
        page = client.get(reverse("cases:file_start"))
        assert page.status_code == 403
        assert "This account cannot file disputes." in page.text
        assert "File a dispute</a>" not in client.get(reverse("cases:my_cases")).text
        refused = client.post(reverse("cases:file_start"), {"organisation": organisation.pk})
        assert refused.status_code == 403
        assert not Case.objects.filter(created_by=user).exists()


def _file_through_the_wizard(client, case):
    assert client.post(step_url(case, 4), {"continue": "1"})["Location"] == step_url(case, 5)
    return client.post(step_url(case, 5), {"accept_terms": "on"}, follow=True)


def test_filing_while_the_registration_fee_is_due_says_the_invitation_waits_for_it(
    make_draft, claimant, client_for, fee_schedule, run_tasks
):
    case = make_draft()
    page = _file_through_the_wizard(client_for(claimant), case).text
    assert "We have emailed the respondent" not in page
    assert "We will email the respondent an invitation as soon as your registration fee is paid" in page
    assert not any("bob@example.com" in m.to for m in run_tasks())


def test_filing_with_the_registration_fee_waived_says_the_respondent_is_invited(
    make_draft, claimant, client_for, fee_schedule, run_tasks
):
    micro = make_organisation(claimant, "Micro Crafts Limited")
    micro.size_band = "micro"
    micro.save(update_fields=["size_band"])
    case = make_draft(organisation=micro)
    page = _file_through_the_wizard(client_for(claimant), case).text
    assert "We have emailed the respondent an invitation" in page
    assert any("bob@example.com" in m.to for m in run_tasks())

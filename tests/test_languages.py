"""The language: chosen from the menu, kept with the account (so it follows the person to another device),
the browser's before any choice; emails in each recipient's own language; a code we do not offer refused."""

from django.conf import settings
from django.urls import reverse

from cases.models import UserPreference
from cases.notifications import queue_email


def test_the_first_visit_follows_the_browser(client):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="zh-HK,zh;q=0.9")
    assert 'lang="zh-hant"' in page.text
    assert "登入" in page.text
    assert 'lang="en"' in client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-GB").text


def test_a_choice_is_kept_with_the_account_and_follows_the_person(claimant, client_for):
    first = client_for(claimant)
    response = first.post(reverse("cases:language"), {"language": "zh-hant", "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert UserPreference.objects.get(user=claimant).language == "zh-hant"
    elsewhere = client_for(claimant)  # another browser, no cookie, an English browser
    page = elsewhere.get(reverse("cases:my_cases"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="zh-hant"' in page.text
    assert page.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"


def test_a_language_we_do_not_offer_is_refused_with_a_reason(claimant, client_for):
    client = client_for(claimant)
    response = client.post(reverse("cases:language"), {"language": "xx-klingon", "next": "/cases/"}, follow=True)
    assert "That language is not offered" in response.text
    assert not UserPreference.objects.filter(user=claimant).exists()
    assert (
        client.post(reverse("cases:language"), {"language": "en", "next": "https://evil.example/"})["Location"] == "/"
    )


def test_emails_go_out_in_each_recipients_language(claimant, respondent, negotiation_case, run_tasks):
    UserPreference.objects.create(user=respondent, language="zh-hant")
    run_tasks()
    queue_email(to=[claimant.email, respondent.email], template="arbitration_rank", context={"case": negotiation_case})
    sent = {message.to[0]: message for message in run_tasks()}
    assert negotiation_case.reference in sent[claimant.email].subject
    assert any("\u4e00" <= char <= "\u9fff" for char in sent[respondent.email].subject)
    assert not any("\u4e00" <= char <= "\u9fff" for char in sent[claimant.email].subject)

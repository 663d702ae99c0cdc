import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from tests.conftest import PASSWORD


def test_signup_requires_email_verification_then_signs_in(client, db, run_tasks):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "a long unusual phrase 9", "password2": "a long unusual phrase 9"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.com")
    assert user.groups.filter(name="Parties").exists()
    # Not verified: signing in is not possible yet.
    assert client.get(reverse("cases:my_cases")).status_code == 302
    sent = run_tasks()  # account emails go through the background worker
    link = re.search(r"/accounts/confirm-email/\S+", sent[-1].body).group(0)
    client.post(link)
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert client.get(reverse("cases:my_cases")).status_code == 200


def test_unverified_account_cannot_sign_in(client, db):
    user = User.objects.create_user(username="u", email="u@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(reverse("account_login"), {"login": "u@example.com", "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("cases:my_cases")).status_code == 302


def test_failed_sign_ins_are_rate_limited(client, claimant):
    for _ in range(3):
        response = client.post(reverse("account_login"), {"login": claimant.email, "password": "wrong"})
        assert "is not correct" in response.text or "not correct" in response.text
    # Even the right password is refused until the limit passes.
    response = client.post(reverse("account_login"), {"login": claimant.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client, claimant, run_tasks):
    client.post(reverse("account_reset_password"), {"email": claimant.email})
    link = re.search(r"/accounts/password/reset/key/\S+", run_tasks()[-1].body).group(0)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "another long phrase 77", "password2": "another long phrase 77"},
    )
    assert response.status_code == 302
    claimant.refresh_from_db()
    assert claimant.check_password("another long phrase 77")


def test_staff_without_two_factor_are_sent_to_set_it_up(negotiation_case, client_for):
    from tests.conftest import make_user

    staff = make_user("sam", "Case administrators", mfa=False)
    response = client_for(staff).get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # With two-factor they act as usual.
    staff_mfa = make_user("sue", "Case administrators", mfa=True)
    page = client_for(staff_mfa).get(reverse("cases:detail", kwargs={"case_id": negotiation_case.public_id}))
    assert page.status_code == 200
    assert negotiation_case.reference in page.text


def _start_django(env: dict[str, str], code: str = "") -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with only ``env`` set, as a deployment would."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env={"DJANGO_SETTINGS_MODULE": "odr.settings", "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ODR_RESPONSE_DAYS", "seven", "must be an integer"),
        ("ODR_RESPONSE_DAYS", "0", "must be at least 1"),
        ("DEBUG", "maybe", "must be a boolean"),
        ("ODR_ELIGIBILITY_MAX_AMOUNT", "lots", "must be a decimal"),
        ("EMAIL_URL", "http://mail", "EMAIL_URL must look like"),
    ],
)
def test_bad_environment_values_stop_start_up(name, value, message):
    result = _start_django({name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = _start_django({"ODR_PRODUCTION": "1"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_smtp_settings_from_email_url():
    code = "from django.conf import settings; print(settings.MAILERS['default'])"
    result = _start_django({"EMAIL_URL": "smtp://me%40x.hk:s3cret@mail.x.hk:2525"}, code)
    assert result.returncode == 0, result.stderr
    assert "'host': 'mail.x.hk'" in result.stdout
    assert "'port': 2525" in result.stdout
    assert "'username': 'me@x.hk'" in result.stdout
    assert "'use_tls': True" in result.stdout


def test_admin_signs_in_through_allauth_and_needs_two_factor(client_for, client, db):
    from tests.conftest import make_user

    login = client.get("/admin/login/?next=/admin/")
    assert login.status_code == 302
    assert login["Location"].startswith(reverse("account_login"))
    staff = make_user("steve", "Case administrators", mfa=False)
    staff.is_staff = True
    staff.save()
    assert client_for(staff).get("/admin/").status_code == 302
    staff_mfa = make_user("stella", "Case administrators", mfa=True)
    staff_mfa.is_staff = True
    staff_mfa.save()
    assert client_for(staff_mfa).get("/admin/").status_code == 200


def test_neutral_finds_assigned_cases_under_my_cases(negotiation_case, mediator, assign, client_for):
    from cases.models import NeutralRole

    page = client_for(mediator).get(reverse("cases:my_cases"))
    assert negotiation_case.reference not in page.text
    assign(negotiation_case, mediator, NeutralRole.MEDIATOR)
    assert negotiation_case.reference in client_for(mediator).get(reverse("cases:my_cases")).text


PRODUCTION_ENV = {
    "ODR_PRODUCTION": "1",
    "SECRET_KEY": "a-long-random-secret-for-the-deploy-check-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "odr.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "EMAIL_URL": "smtp://mailer:secret@smtp.example.org:587?tls=1",
    "STRIPE_SECRET_KEY": "sk_live_deploycheck",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_deploycheck",
    "STRIPE_WEBHOOK_SECRET": "whsec_deploycheck",
    "ODR_TSA_URL": "https://tsa.example.org/tsr",
    "ODR_TSA_TRUST_ROOTS_PATH": "/etc/odr/tsa-roots.pem",
}


def test_the_deploy_check_is_clean_with_production_settings():
    """Django's own deployment checklist, at warning level, passes with production settings."""
    result = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env={"DJANGO_SETTINGS_MODULE": "odr.settings", "PATH": "/usr/bin:/bin", **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr or result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_mail_server():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "EMAIL_URL"}
    result = _start_django(env)
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_account_emails_name_the_centre(client, claimant, db, run_tasks, settings):
    settings.ODR_CENTRE_NAME = "Harbour ODR Centre"
    settings.SITE_URL = "https://odr.example.hk"
    client.post(reverse("account_reset_password"), {"email": claimant.email})
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "a long enough phrase 1", "password2": "a long enough phrase 1"},
    )
    sent = run_tasks()
    assert len(sent) == 2
    for message in sent:
        assert "Hello from Harbour ODR Centre!" in message.body
        assert "Thank you for using Harbour ODR Centre!\nodr.example.hk" in message.body

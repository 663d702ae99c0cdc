"""The access sweep (HTTP): every URL pattern of the project, with every persona, against one table.

How a response counts
  allowed  200, or a redirect to the entry's ``redirect`` (the right place for that persona: their cases, the
           re-authentication step before a security setting; never a sign-in page)
  refused  404 or 403 for someone signed in; a redirect to a sign-in page (allauth's, or the Django admin's
           for anyone who is not staff); or the entry's ``refused_redirect``
  405      the answer to a method the URL does not take
  Anything else (400, 410, 500, a redirect elsewhere) fails the test.

A GET must be allowed for exactly the personas an entry lists and refused for every other one. An entry
whose URL takes only POST answers 405 to a GET (or refuses it, for the personas it does not list); those
personas must be refused on POST too, and nothing may change (every table of the platform keeps its rows,
every case its state). Entries with ``actions`` do this for each action. Allowed personas' POSTs are not
made here (they change things): each app's own tests exercise them.

Personas (built once for the module in ``_build_world``): the claimant and respondent of every case
below; "mediator", the mediator of the case in mediation (proposed on another, and the former mediator of
the case in arbitration); "other mediator", the mediator of other cases; "arbitrator", the arbitrator of
the case in arbitration; "other arbitrator", an arbitrator proposed on another case only; "administrator",
a case administrator (staff pages; two-factor set up, not a Django staff account); "superuser", a Django
staff superuser with two-factor (the only one the Django admin lets in; as a superuser it is also a case
administrator); "outsider", a party of no case here; "anonymous".

A URL pattern of the project that is not in the table fails ``test_every_url_pattern_is_in_the_table``,
naming it. The Django admin's model pages are covered by the rule in ``ADMIN_MODEL_PAGES``: every admin URL
of a registered model is accounted for and each model's changelist is swept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from arbitration.views.case import STEPS as ARBITRATION_STEPS
from mediation.views.case import STEPS as MEDIATION_STEPS
from negotiation.views import ACTIONS as NEGOTIATION_ACTIONS
from payments.views.staff import PAYMENT_ACTIONS
from tests.conftest import run_queued_tasks
from tests.state import platform_snapshot

# --- The personas and the table ------------------------------------------------------------------------

PERSONAS = (
    "claimant",
    "respondent",
    "mediator",
    "other mediator",
    "arbitrator",
    "other arbitrator",
    "administrator",
    "superuser",
    "outsider",
    "anonymous",
)
EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}
PARTIES = frozenset({"claimant", "respondent"})
ADMINS = frozenset({"administrator", "superuser"})
TWO_FACTOR = frozenset({"mediator", "other mediator", "arbitrator", "other arbitrator"}) | ADMINS
NOBODY: frozenset[str] = frozenset()

GET, POST, FORM = "GET", "POST", "GET+POST"
# allauth asks for the password again (a session signed in a while ago) before changing two-factor settings.
REAUTHENTICATE = "/accounts/reauthenticate/"  # FORM: a page that shows a form and takes its POST


@dataclass(frozen=True)
class Url:
    allowed: frozenset[str]
    kwargs: Callable[[Any], dict[str, Any]] = lambda w: {}
    method: str = GET
    redirect: str = ""  # an allowed GET may redirect only to an address starting with this
    refused_redirect: str = ""  # where the page sends those it refuses, if not to a sign-in page
    # Several actions behind one pattern (``<slug:action>``): who may use each. The table must name every
    # action the view knows (checked against the view's own table).
    actions: dict[str, frozenset[str]] = field(default_factory=dict)
    note: str = ""


def case(name: str, **more: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    """kwargs for a URL of the world's case ``name`` (plus other kwargs read from the world)."""
    return lambda w: {"case_id": getattr(w, name).public_id, **{key: get(w) for key, get in more.items()}}


def steps(table: dict[str, Any], who: dict[frozenset[Any], frozenset[str]]) -> dict[str, frozenset[str]]:
    """The personas each action of a ``run_step`` table admits, from the roles it names."""
    return {action: who[step.allowed] for action, step in table.items()}


def token(w: Any) -> dict[str, Any]:
    return {"token": w.token}


def deal(**more: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    """kwargs for a URL of the world's deal (plus other kwargs read from the world)."""
    return lambda w: {"deal_id": w.deal.public_id, **{key: get(w) for key, get in more.items()}}


def kept_deal(w: Any) -> dict[str, Any]:
    """kwargs for a URL of the world's signed and sealed deal (between the same two businesses)."""
    return {"deal_id": w.kept_deal.public_id}


DEAL = frozenset({"claimant", "outsider"})  # the two businesses' people in the world's deals


def signing_deal(**more: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    """kwargs for a URL of the world's deal locked for signing, whose businesses each owe a fee."""
    return lambda w: {"deal_id": w.signing_deal.public_id, **{key: get(w) for key, get in more.items()}}


CASE_N = PARTIES | ADMINS  # the case in negotiation (N), the settled one (S), awaiting response (A: + nobody)
CASE_M = PARTIES | ADMINS | {"mediator"}  # the case in mediation (M)
CASE_R = PARTIES | ADMINS | {"arbitrator"}  # the case in arbitration (R)

URLS: dict[str, Url] = {
    # --- public pages
    "home": Url(EVERYONE),
    "healthz": Url(EVERYONE),
    "favicon": Url(EVERYONE, redirect="/static/img/favicon.svg"),
    "documents:verify": Url(EVERYONE),
    "administration:statistics": Url(EVERYONE),
    "cases:timezone": Url(EVERYONE, method=FORM),
    "cases:language": Url(EVERYONE, redirect="/", note="the language menu's POST target; a GET goes home"),
    "set_language": Url(EVERYONE, redirect="/", note="Django's own language switch; a GET goes home"),
    "payments:stripe_webhook": Url(
        EVERYONE, method=POST, note="public, but only a body signed with the webhook secret is read (test_payments)"
    ),
    # The emailed invitation is a bearer link: whoever holds it sees the claim; signing in is asked to answer.
    "cases:invitation": Url(EVERYONE, token),
    "cases:invitation_respond": Url(SIGNED_IN, token, method=POST),
    "cases:invitation_decline": Url(SIGNED_IN, token, method=POST),
    # --- allauth (third-party pages: public, or for anyone signed in)
    "account_login": Url(EVERYONE, redirect="/cases/", note="signed in: sent on to their cases"),
    "account_logout": Url(EVERYONE, redirect="/", note="signed out: nothing to confirm, sent home"),
    "account_signup": Url(EVERYONE, redirect="/cases/"),
    "account_inactive": Url(EVERYONE),
    "account_email_verification_sent": Url(EVERYONE),
    "account_reset_password": Url(EVERYONE),
    "account_reset_password_done": Url(EVERYONE),
    "account_reset_password_from_key_done": Url(EVERYONE),
    "account_reset_password_from_key": Url(EVERYONE, lambda w: {"uidb36": "zz", "key": "bad-key"}),
    "account_confirm_email": Url(EVERYONE, lambda w: {"key": "bad-key"}),
    "account_confirm_login_code": Url(SIGNED_IN, redirect="/cases/", note="only while signing in by code"),
    "account_reauthenticate": Url(SIGNED_IN),
    # allauth 65.22 added re-authentication by an emailed code. It is off (ACCOUNT_REAUTHENTICATION_METHODS):
    # a signed-in session plus the mailbox must not stand in for the password or the authenticator.
    "account_request_reauthentication_code": Url(NOBODY, note="re-authentication by emailed code is off"),
    "account_confirm_reauthentication_code": Url(NOBODY, note="re-authentication by emailed code is off"),
    "account_email": Url(SIGNED_IN),
    "account_change_password": Url(SIGNED_IN),
    "account_set_password": Url(SIGNED_IN, redirect="/accounts/password/change/", note="everyone has a password"),
    "mfa_index": Url(SIGNED_IN),
    "mfa_authenticate": Url(SIGNED_IN, redirect="/cases/", note="only between password and code"),
    "mfa_reauthenticate": Url(SIGNED_IN, redirect=REAUTHENTICATE, note="without two-factor: the password instead"),
    "mfa_activate_totp": Url(SIGNED_IN, redirect=REAUTHENTICATE),
    "mfa_deactivate_totp": Url(TWO_FACTOR, redirect=REAUTHENTICATE),
    "mfa_view_recovery_codes": Url(NOBODY, note="nobody here has recovery codes"),
    "mfa_generate_recovery_codes": Url(SIGNED_IN, redirect=REAUTHENTICATE),
    "mfa_download_recovery_codes": Url(NOBODY, note="nobody here has recovery codes"),
    # --- a person's own pages
    "cases:my_cases": Url(SIGNED_IN),
    "cases:personal_data": Url(SIGNED_IN),
    "cases:personal_data_export": Url(SIGNED_IN),
    "cases:account_erase": Url(SIGNED_IN, method=POST),
    "cases:organisation_list": Url(SIGNED_IN),
    "cases:organisation_create": Url(SIGNED_IN, method=FORM),
    "cases:organisation_edit": Url(PARTIES - {"respondent"}, lambda w: {"organisation_id": w.alpha.pk}, method=FORM),
    "cases:file_start": Url(
        PARTIES | {"outsider", "superuser"},
        method=FORM,
        redirect="/organisations/new/",
        note="parties file (no business yet: add one); neutrals and administrators get 403",
    ),
    "cases:file_step": Url({"claimant"}, lambda w: {"case_id": w.draft.public_id, "step": 1}, method=FORM),
    "cases:draft_document_remove": Url(
        {"claimant"},
        lambda w: {"case_id": w.draft.public_id, "document_id": w.draft_document.public_id},
        method=POST,
    ),
    # --- a case's pages (N: in negotiation, with a document, fees and payments)
    "cases:detail": Url(CASE_N, case("negotiation")),
    "cases:document_download": Url(CASE_N, case("negotiation", version_id=lambda w: w.version.public_id)),
    "cases:document_upload": Url(CASE_N, case("negotiation"), method=POST),
    "cases:document_version_upload": Url(
        CASE_N, case("negotiation", document_id=lambda w: w.version.document.public_id), method=POST
    ),
    "cases:withdraw": Url(CASE_N, case("negotiation"), method=POST),
    "cases:counterclaim_answer": Url(CASE_N, case("negotiation"), method=POST),
    "cases:arbitration_consent": Url(CASE_N, case("negotiation"), method=POST),
    "cases:invitation_resend": Url(PARTIES - {"respondent"} | ADMINS, case("awaiting"), method=POST),
    "negotiation:room": Url(CASE_N, case("negotiation")),
    "negotiation:accept": Url(
        PARTIES,
        case("negotiation", offer_id=lambda w: w.open_offer.pk),
        redirect="/cases/",
        note="the claimant confirms the respondent's offer; the respondent, who made it, is sent back to the room",
    ),
    "negotiation:action": Url(
        CASE_N,
        case("negotiation"),
        method=POST,
        actions=dict.fromkeys(NEGOTIATION_ACTIONS, CASE_N),
        note="administrators read the room; the services refuse their writes (a message, not a change)",
    ),
    # S: settled in negotiation, its agreement drafted, the respondent's payment reported.
    "cases:payment_report": Url(CASE_N, case("settled", obligation_id=lambda w: w.obligation.pk), method=POST),
    "cases:payment_answer": Url(CASE_N, case("settled", report_id=lambda w: w.report.pk), method=POST),
    "documents:agreement": Url(CASE_N, case("settled")),
    "documents:agreement_pdf": Url(CASE_N, case("settled", document_id=lambda w: w.agreement.pk)),
    "documents:agreement_revise": Url(CASE_N, case("settled"), method=POST),
    "documents:agreement_sign": Url(CASE_N, case("settled", document_id=lambda w: w.agreement.pk), method=POST),
    # M: in mediation; the mediator sees the case, not the parties' agreement to mediate.
    "documents:agreement_to_mediate": Url(CASE_N, case("mediation")),
    "mediation:case": Url(CASE_M, case("mediation")),
    "mediation:action": Url(
        CASE_M,
        case("mediation"),
        method=POST,
        actions=steps(
            MEDIATION_STEPS,
            {
                frozenset({"claimant", "respondent"}): PARTIES,
                frozenset({"mediator"}): frozenset({"mediator"}),
                frozenset({"administrator"}): ADMINS,
            },
        ),
    ),
    "mediation:room": Url(PARTIES | {"mediator"}, lambda w: {"session_id": w.session.public_id}),
    "mediation:proposal": Url({"mediator"}, lambda w: {"appointment_id": w.mediator_proposal.pk}, method=FORM),
    # R: in arbitration, the timetable set, an award drafted.
    "arbitration:case": Url(CASE_R, case("arbitration")),
    "arbitration:award_pdf": Url({"arbitrator"}, case("arbitration", document_id=lambda w: w.award_draft.pk)),
    "arbitration:action": Url(
        CASE_R,
        case("arbitration"),
        method=POST,
        actions=steps(
            ARBITRATION_STEPS,
            {
                frozenset({"claimant", "respondent"}): PARTIES,
                frozenset({"arbitrator"}): frozenset({"arbitrator"}),
                frozenset({"administrator"}): ADMINS,
            },
        ),
    ),
    "arbitration:proposal": Url(
        {"other arbitrator"}, lambda w: {"appointment_id": w.arbitrator_proposal.pk}, method=FORM
    ),
    "arbitration:declaration_pdf": Url({"other arbitrator"}, lambda w: {"appointment_id": w.arbitrator_proposal.pk}),
    # --- fees: the claimant's charge on N has a declared transfer; the respondent's is paid, with a receipt.
    "payments:pay": Url({"claimant"}, case("negotiation", charge_id=lambda w: w.charge.public_id)),
    "payments:pay_card": Url({"claimant"}, case("negotiation", charge_id=lambda w: w.charge.public_id), method=POST),
    "payments:pay_manual": Url({"claimant"}, case("negotiation", charge_id=lambda w: w.charge.public_id), method=POST),
    "payments:payment": Url({"claimant"}, case("negotiation", payment_id=lambda w: w.payment.public_id)),
    "payments:receipt": Url(
        ADMINS | {"respondent"}, case("negotiation", document_id=lambda w: w.receipt.pk), note="the payer's"
    ),
    "payments:charge_waive": Url(ADMINS, case("negotiation", charge_id=lambda w: w.charge.public_id), method=POST),
    # --- staff pages
    "administration:dashboard": Url(ADMINS),
    "administration:case_list": Url(ADMINS),
    "administration:audit": Url(ADMINS),
    "administration:security_events": Url(ADMINS),
    "administration:case_audit": Url(ADMINS, case("negotiation")),
    "administration:case_extend": Url(ADMINS, case("negotiation"), method=POST),
    "administration:case_close": Url(ADMINS, case("negotiation"), method=POST),
    "administration:case_reopen": Url(ADMINS, case("negotiation"), method=POST),
    "payments:reconciliation": Url(ADMINS),
    "payments:fee_schedules": Url(ADMINS, method=FORM),
    "payments:staff_payment": Url(ADMINS, lambda w: {"payment_id": w.payment.public_id}),
    "payments:staff_payment_action": Url(
        ADMINS,
        lambda w: {"payment_id": w.payment.public_id},
        method=POST,
        actions=dict.fromkeys(PAYMENT_ACTIONS, ADMINS),
    ),
    "mediation:panel": Url(ADMINS),
    "mediation:profile_new": Url(ADMINS, method=FORM),
    "mediation:profile_edit": Url(ADMINS, lambda w: {"profile_id": w.mia_profile.pk}, method=FORM),
    "arbitration:panel": Url(ADMINS),
    "arbitration:profile_new": Url(ADMINS, method=FORM),
    "arbitration:profile_edit": Url(ADMINS, lambda w: {"profile_id": w.arthur_profile.pk}, method=FORM),
    # --- deal-making: the deal is between the claimant's business and the outsider's (a party of no case), so
    # a deal party who is a case party elsewhere (the claimant) and a case party outside the deal (the
    # respondent) are both swept; the Centre's staff see no deal.
    "deals:list": Url(SIGNED_IN),
    "deals:new": Url(PARTIES | {"outsider", "superuser"}, lambda w: {"template_id": w.deal.template_id}, method=FORM),
    "deals:invitation": Url(EVERYONE, lambda w: {"token": w.deal_token}, note="a bearer link, as for respondents"),
    "deals:templates": Url(ADMINS),
    "deals:template_new": Url(ADMINS, method=FORM),
    "deals:template_action": Url(
        ADMINS, lambda w: {"template_id": w.deal.template_id, "action": "retire"}, method=POST
    ),
    "deals:detail": Url(DEAL, deal()),
    "deals:versions": Url(DEAL, deal()),
    "deals:propose": Url(DEAL, deal(), method=POST),
    "deals:decide": Url(DEAL, deal(proposal_id=lambda w: w.deal_proposal.pk, decision=lambda w: "accept"), method=POST),
    "deals:comment": Url(DEAL, deal(), method=POST),
    "deals:final": Url(DEAL, deal(), method=POST),
    "deals:final_undo": Url(DEAL, deal(), method=POST),
    "deals:cancel": Url(DEAL, deal(), method=POST),
    "deals:invite": Url(DEAL, deal(), method=POST),
    "deals:obligation_step": Url(
        DEAL,
        lambda w: {
            "deal_id": w.kept_deal.public_id,
            "obligation_id": w.obligation_event.obligation_id,
            "step": "confirm",
        },
        method=POST,
    ),
    "deals:dispute": Url(DEAL, lambda w: {"deal_id": w.kept_deal.public_id}, method=POST),
    "deals:evidence": Url(DEAL, lambda w: {"deal_id": w.kept_deal.public_id, "event_id": w.obligation_event.pk}),
    "deals:sign": Url(DEAL, kept_deal, method=POST),
    "deals:contract_draft": Url(DEAL, kept_deal, note="the PDF both businesses signed"),
    "deals:contract_executed": Url(DEAL, kept_deal, note="the sealed copy"),
    # The deal-making fee: each business pays its own; a payment's page is its payer's only.
    "deals:fee": Url(DEAL, signing_deal()),
    "deals:fee_card": Url(DEAL, signing_deal(), method=POST),
    "deals:fee_transfer": Url(DEAL, signing_deal(), method=POST),
    "deals:fee_payment": Url({"claimant"}, signing_deal(payment_id=lambda w: w.deal_payment.public_id)),
    # --- the Django admin's own pages (staff with two-factor; model pages: ADMIN_MODEL_PAGES)
    "admin:index": Url({"superuser"}),
    "admin:login": Url({"superuser"}, redirect="/admin/", note="everyone else is sent to allauth's sign-in"),
    "admin:logout": Url({"superuser"}, method=POST, refused_redirect="/admin/", note="others: to the admin's index"),
    "admin:password_change": Url({"superuser"}, method=FORM),
    "admin:password_change_done": Url({"superuser"}),
    "admin:jsi18n": Url({"superuser"}),
    "admin:app_list": Url({"superuser"}, lambda w: {"app_label": "cases"}),
    "admin:autocomplete": Url(NOBODY, note="only for an admin form's autocomplete field: 403 without its query"),
    "admin:view_on_site": Url(
        NOBODY,
        lambda w: {"content_type_id": w.case_content_type, "object_id": w.negotiation.pk},
        note="cases have no public address: 404 even for staff",
    ),
}

# Every admin URL of a registered model: its changelist is swept; add/change/history/delete pages sit
# behind the same admin_view check (staff with two-factor), with the model's own permissions on top.
ADMIN_MODEL_PAGES = re.compile(r"^admin:(?P<app>\w+?)_(?P<model>[a-z0-9]+)_(changelist|add|history|delete|change)$")
ADMIN_MODEL_ALLOWED = frozenset({"superuser"})
# Unnamed patterns are allowed only inside the Django admin (its redirects and catch-all).
UNNAMED_ALLOWED_PREFIX = "admin/"


# --- The checks -----------------------------------------------------------------------------------------


def _patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(name with namespace, route) of every URL pattern, recursively."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _patterns(pattern, route, inner or namespace)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield name, route


def _registered_admin_models() -> set[tuple[str, str]]:
    return {(model._meta.app_label, model._meta.model_name or "") for model in admin.site._registry}


def test_every_url_pattern_is_in_the_table():
    registered = _registered_admin_models()
    missing = []
    for name, route in _patterns():
        if not name:
            if not route.startswith(UNNAMED_ALLOWED_PREFIX):
                missing.append(f"(unnamed) {route}")
            continue
        model_page = ADMIN_MODEL_PAGES.match(name)
        if model_page and any(name.startswith(f"admin:{app}_{model}_") for app, model in registered):
            continue
        if name not in URLS:
            missing.append(f"{name} ({route})")
    assert missing == [], "URL patterns without an entry in the access table: " + ", ".join(missing)


@pytest.mark.parametrize(
    ("name", "table", "view_actions"),
    [
        ("negotiation:action", URLS["negotiation:action"].actions, NEGOTIATION_ACTIONS),
        ("mediation:action", URLS["mediation:action"].actions, MEDIATION_STEPS),
        ("arbitration:action", URLS["arbitration:action"].actions, ARBITRATION_STEPS),
        ("payments:staff_payment_action", URLS["payments:staff_payment_action"].actions, PAYMENT_ACTIONS),
    ],
)
def test_every_action_is_in_the_table(name, table, view_actions):
    assert set(table) == set(view_actions), f"{name}: actions the table does not cover or no longer exist"


# --- The world: built once for the module, rolled back at its end -------------------------------------


def _run_tasks() -> None:
    run_queued_tasks("sweep")


def _build_world() -> SimpleNamespace:
    from django.contrib.contenttypes.models import ContentType

    from arbitration.services.appointment import appointment_accept, arbitrator_appoint
    from arbitration.services.award import award_draft_save
    from cases.lifecycle import Action, case_transition
    from cases.models import Case, CaseAssignment, NeutralRole, Obligation
    from cases.roles_setup import ADMINISTRATOR_GROUP, ARBITRATOR_GROUP, MEDIATOR_GROUP, PARTY_GROUP
    from cases.services.compliance import payment_report
    from cases.services.evidence import document_upload
    from cases.services.filing import claim_draft_start
    from deals.services.obligations import obligation_report_done
    from deals.services.redlines import proposal_make
    from demo import builder
    from documents.models import IssuedDocument, IssuedKind
    from documents.services import current_draft, render_draft
    from mediation.services.appointment import mediator_appoint
    from negotiation.services.escalation import mediation_request
    from negotiation.services.offers import offer_make
    from payments.models import Charge
    from payments.services.payments import manual_payment_confirm, payment_execute, payment_start
    from tests.conftest import PASSWORD, make_organisation, make_user
    from tests.test_arbitration import _all_due, _terms

    w = SimpleNamespace()
    users = {
        "claimant": make_user("alice", PARTY_GROUP),
        "respondent": make_user("bob", PARTY_GROUP),
        "mediator": make_user("mia", MEDIATOR_GROUP, mfa=True),
        "other mediator": make_user("otto", MEDIATOR_GROUP, mfa=True),
        "arbitrator": make_user("arthur", ARBITRATOR_GROUP, mfa=True),
        "other arbitrator": make_user("olga", ARBITRATOR_GROUP, mfa=True),
        "administrator": make_user("ada", ADMINISTRATOR_GROUP, mfa=True),
        "superuser": make_user("root", ADMINISTRATOR_GROUP, mfa=True),
        "outsider": make_user("charlie", PARTY_GROUP),
    }
    users["superuser"].is_staff = users["superuser"].is_superuser = True
    users["superuser"].save()
    alice, bob, mia, otto = users["claimant"], users["respondent"], users["mediator"], users["other mediator"]
    arthur, olga, ada = users["arbitrator"], users["other arbitrator"], users["administrator"]
    dora, ed = make_user("dora", PARTY_GROUP), make_user("ed", PARTY_GROUP)
    w.alpha, bravo = make_organisation(alice, "Alpha Trading Limited"), make_organisation(bob, "Bravo Services Limited")
    delta, echo = make_organisation(dora, "Delta Catering Limited"), make_organisation(ed, "Echo Venues Limited")
    w.mia_profile = builder.mediator_on_panel(user=mia, display_name="Mia Mediator")
    otto_profile = builder.mediator_on_panel(user=otto, display_name="Otto Mediator")
    w.arthur_profile = builder.arbitrator_on_panel(user=arthur, display_name="Arthur Arbitrator")
    olga_profile = builder.arbitrator_on_panel(user=olga, display_name="Olga Arbitrator")

    def filed(claimant: Any, organisation: Any, respondent: Any) -> Case:
        claim = builder.Claim(respondent_email=respondent.email)
        return builder.case_filed(claimant=claimant, claimant_org=organisation, claim=claim)

    def negotiating(
        claimant: Any = alice, organisation: Any = w.alpha, respondent: Any = bob, own: Any = bravo
    ) -> Case:
        case = filed(claimant, organisation, respondent)
        return builder.case_in_negotiation(case=case, respondent=respondent, respondent_org=own)

    def mediating(mediator_profile: Any, **people: Any) -> Case:
        case = builder.case_in_mediation(case=negotiating(**people))
        return builder.case_with_mediator(case=case, administrator=ada, mediator=mediator_profile)

    # A: awaiting the respondent's answer; the invitation's token is the respondent's way in.
    w.awaiting = filed(alice, w.alpha, bob)
    w.token = builder.invitation_token(case=w.awaiting)
    # D: the claimant's draft, with evidence attached.
    w.draft = claim_draft_start(user=alice, organisation=w.alpha)
    upload = SimpleUploadedFile("draft.txt", b"draft evidence")
    w.draft_document = document_upload(case=w.draft, user=alice, upload=upload, title="Draft").document
    # S: settled in negotiation; the agreement drafted; the respondent (payer) reported a payment.
    w.settled = negotiating()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the agreement is drafted after the commit
        builder.case_in_settlement(case=w.settled, amount=Decimal("8000.00"), terms="Within 14 days")
    draft = current_draft(w.settled)
    assert draft is not None
    w.agreement = render_draft(document_id=draft.pk)
    # Closed as settled while its agreement is still a draft (so the signing pages have one): no service does
    # that (only sealing the signed agreement settles a case), so the platform's transition is made directly.
    case_transition(case=w.settled, action=Action.SETTLE, actor=None)
    w.obligation = Obligation.objects.get(case=w.settled)
    w.report = payment_report(
        obligation=w.obligation, user=bob, amount=Decimal("8000.00"), paid_on=timezone.localdate(), reference="FT 1"
    )
    # M: in mediation with Mia, the agreement to mediate signed, the video session open.
    w.mediation = builder.case_mediation_agreed(case=mediating(w.mia_profile), password=PASSWORD)
    w.session = builder.mediation_session_live(case=w.mediation)
    # R: mediation with Mia ended unsettled; Arthur appointed, declared independent; timetable; award drafted.
    w.arbitration = builder.case_in_arbitration(case=mediating(w.mia_profile))
    w.arbitration = builder.case_with_arbitrator(
        case=w.arbitration, administrator=ada, arbitrator=w.arthur_profile, password=PASSWORD
    )
    w.arbitration = builder.case_in_proceedings(case=w.arbitration)
    _all_due(w.arbitration)
    w.award_draft = render_draft(document_id=award_draft_save(case=w.arbitration, user=arthur, terms=_terms()).pk)
    # X: another case (Dora v Ed): Otto mediated it, unsettled; Olga is proposed and drafted her declaration.
    other = {"claimant": dora, "organisation": delta, "respondent": ed, "own": echo}
    w.other_case = builder.case_in_arbitration(case=mediating(otto_profile, **other))
    w.arbitrator_proposal = arbitrator_appoint(case=w.other_case, actor=ada, arbitrator=olga_profile)
    appointment_accept(appointment=w.arbitrator_proposal, user=olga, independent=True)
    olga_declaration = IssuedDocument.objects.get(case=w.other_case, kind=IssuedKind.DECLARATION_OF_INDEPENDENCE)
    render_draft(document_id=olga_declaration.pk)
    # Otto mediates a case now (Dora v Ed again), so he is "the mediator of another case" in every sense: his
    # assignment is written directly, on a case in negotiation (no service assigns a mediator there).
    CaseAssignment.objects.create(case=negotiating(**other), user=otto, role=NeutralRole.MEDIATOR)
    # Z: Mia proposed as the mediator of a case of Dora and Ed; she has not answered.
    proposed_on = builder.case_in_mediation(case=negotiating(**other))  # requested by its claimant, Dora
    w.mediator_proposal = mediator_appoint(case=proposed_on, actor=ada, mediator=w.mia_profile)
    # N: in negotiation, with evidence; then fees: the claimant declared a transfer, the respondent paid.
    w.negotiation = negotiating()
    upload = SimpleUploadedFile("invoice.txt", b"invoice 42")
    w.version = document_upload(case=w.negotiation, user=alice, upload=upload, title="Invoice")
    w.open_offer = offer_make(case=w.negotiation, user=bob, amount=Decimal("9000.00"), terms="Within 14 days")
    from payments.services.fees import fee_schedule_create

    fee_schedule_create(
        actor=ada,
        name="Scheme 2026",
        effective_from=timezone.now() - timedelta(minutes=1),
        registration_fee=Decimal("200.00"),
        mediation_fee=Decimal("1000.00"),
        arbitration_fee=Decimal("2500.00"),
        waiver_rules=[],
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        mediation_request(case=w.negotiation, user=alice)
        w.charge = Charge.objects.get(case=w.negotiation, party__role="claimant")
        w.payment = payment_start(charge=w.charge, user=alice, provider="manual")
        payment_execute(payment=w.payment, user=alice, data={"reference": "TT-1"})
        theirs = payment_start(
            charge=Charge.objects.get(case=w.negotiation, party__role="respondent"), user=bob, provider="manual"
        )
        payment_execute(payment=theirs, user=bob, data={"reference": "TT-2"})
        manual_payment_confirm(payment=theirs, actor=ada, amount_received=Decimal("1000.00"))
    _run_tasks()
    w.receipt = IssuedDocument.objects.get(case=w.negotiation, kind=IssuedKind.FEE_RECEIPT)
    w.case_content_type = ContentType.objects.get_for_model(Case).pk
    # The deal: Alpha (the claimant's business) sells to Charlie's, which has joined and proposed a change; a
    # third deal still waits for its invited business, whose link is the bearer's way in.
    charlie_org = make_organisation(users["outsider"], "Charlie Imports Limited")
    w.deal = builder.deal_started(initiator=alice, initiator_org=w.alpha, counterparty_email="charlie@example.com")
    builder.deal_in_negotiation(deal=w.deal, counterparty=users["outsider"], counterparty_org=charlie_org)
    w.deal_proposal = proposal_make(
        deal=w.deal, user=users["outsider"], target_kind="field", target_key="price", base_version=1, value="35000"
    )
    # A second deal between the same businesses, signed by both and sealed (its contract's two PDFs), its
    # deposit reported paid with a receipt by Charlie's business.
    kept = builder.deal_started(initiator=alice, initiator_org=w.alpha, counterparty_email="charlie@example.com")
    builder.deal_in_negotiation(deal=kept, counterparty=users["outsider"], counterparty_org=charlie_org)
    w.kept_deal = builder.deal_executed(deal=builder.deal_locked(deal=kept), password=PASSWORD)
    waiting = builder.deal_started(initiator=alice, initiator_org=w.alpha, counterparty_email="dora@example.com")
    w.deal_token = builder.deal_invitation_token(deal=waiting)
    deposit = w.kept_deal.obligations.get(key="deposit_date")
    receipt = SimpleUploadedFile("transfer.txt", b"FPS transfer 4471")
    w.obligation_event = obligation_report_done(
        obligation=deposit, user=users["outsider"], note="Paid", evidence=receipt
    )
    # From now on deal-making costs HK$300 a business: a third deal, Charlie's business selling to Alpha, is
    # locked for signing, each business owes its fee, and Alice has started paying hers by transfer.
    fee_schedule_create(
        actor=ada,
        name="Scheme 2026 with deal-making",
        effective_from=timezone.now(),
        registration_fee=Decimal("200.00"),
        mediation_fee=Decimal("1000.00"),
        arbitration_fee=Decimal("2500.00"),
        deal_fees={"small": Decimal("300.00")},
    )
    w.signing_deal = builder.deal_started(
        initiator=users["outsider"], initiator_org=charlie_org, counterparty_email=alice.email
    )
    w.signing_deal = builder.deal_locked(
        deal=builder.deal_in_negotiation(deal=w.signing_deal, counterparty=alice, counterparty_org=w.alpha)
    )
    w.deal_payment = payment_start(
        charge=Charge.objects.get(subject=f"deal:{w.signing_deal.public_id}", payer=alice),
        user=alice,
        provider="manual",
    )

    # Each persona's signed-in session, kept for the module (a fresh Client per request reuses it).
    w.sessions = {}
    for persona, user in users.items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        w.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    w.users = users
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory, seal_files):
    folder = tmp_path_factory.mktemp("sweep-private")
    storages = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(folder), "base_url": None}},
    }
    key, cert = seal_files
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=storages, ODR_SEAL_KEY_PATH=key, ODR_SEAL_CERT_PATH=cert),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = _build_world()
            built.folder = folder
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def private_storage(world):
    """The world's files stay where it stored them (replaces conftest's per-test folder)."""
    return world.folder


def _client(world: SimpleNamespace, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def _request(world: SimpleNamespace, persona: str, method: str, url: str) -> Any:
    response = getattr(_client(world, persona), method.lower())(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
        for close in getattr(response, "_resource_closers", []):
            close()
    return response


LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


def _outcome(response: Any, persona: str, entry: Url) -> str:
    """allowed / refused / unexpected <what>, by the rule at the top of this module."""
    status = response.status_code
    location = response.get("Location", "")
    if status == 200:
        return "allowed"
    if status in (301, 302, 303):
        if location.startswith(LOGIN_PAGES) and (persona == "anonymous" or location.startswith("/admin/login/")):
            return "refused"
        if entry.refused_redirect and location == entry.refused_redirect:
            return "refused"
        if entry.redirect and location.startswith(entry.redirect):
            return "allowed"
        return f"unexpected redirect to {location}"
    if status in (403, 404) and persona != "anonymous":
        return "refused"
    if status == 405:
        return "405"
    return f"unexpected {status}"


def _kept_private(response: Any) -> bool:
    """Whether a browser (a shared computer's) and any cache on the way are told not to keep the response."""
    directives = {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def _url(world: SimpleNamespace, name: str, entry: Url, action: str | None = None) -> str:
    kwargs = entry.kwargs(world)
    if action is not None:
        kwargs["action"] = action
    return reverse(name, kwargs=kwargs)


def _variants(name: str, entry: Url) -> list[tuple[str | None, frozenset[str]]]:
    return [(action, allowed) for action, allowed in entry.actions.items()] or [(None, entry.allowed)]


@pytest.mark.parametrize("name", sorted(URLS))
def test_who_may_get_each_url(name, world, db):
    entry = URLS[name]
    wrong = []
    for action, allowed in _variants(name, entry):
        url = _url(world, name, entry, action)
        for persona in PERSONAS:
            response = _request(world, persona, "GET", url)
            if persona != "anonymous" and not _kept_private(response):
                wrong.append(f"{persona}: Cache-Control {response.get('Cache-Control')!r}, expected private, no-store")
            outcome = _outcome(response, persona, entry)
            if entry.method == POST:
                expected = {"405"} if persona in allowed and persona != "anonymous" else {"405", "refused"}
            else:
                expected = {"allowed" if persona in allowed else "refused"}
            if outcome not in expected:
                wrong.append(f"{persona}: {outcome}, expected {' or '.join(sorted(expected))}")
    assert not wrong, f"GET {name}: " + "; ".join(wrong)


@pytest.mark.parametrize("path", ["/", "/verify/", "/statistics/", "/static/css/app.css"])
def test_public_pages_stay_cacheable_for_visitors(path, world, db):
    """Only what a signed-in person gets is kept out of caches: public pages and static files are not."""
    response = _request(world, "anonymous", "GET", path)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/") and not href.startswith("//"):
            self.found.append(href)


def _links(response: Any) -> list[str]:
    parser = _Links()
    parser.feed(response.content.decode())
    return [href.split("#")[0] for href in parser.found]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_a_persona_is_shown_works_for_them(persona, world, db):
    """A page offers only what its reader may use: from the home page, their cases, each case page and the
    mediation and arbitration pages they may open (navigation included), every link answers them without a
    403 or 404."""
    cases = [world.awaiting, world.negotiation, world.settled, world.mediation, world.arbitration, world.other_case]
    pages = ["/", reverse("cases:my_cases")] + [reverse("cases:detail", kwargs={"case_id": c.public_id}) for c in cases]
    pages += [
        reverse(name, kwargs=case(stage)(world))
        for name, stage in [("mediation:case", "mediation"), ("arbitration:case", "arbitration")]
    ]
    broken = []
    followed: set[str] = set()
    for page in pages:
        response = _request(world, persona, "GET", page)
        if response.status_code != 200:
            continue  # a page they are not shown (the sweep above checks who may open it)
        for link in _links(response):
            if link in followed:
                continue
            followed.add(link)
            status = _request(world, persona, "GET", link).status_code
            if status >= 400:
                broken.append(f"{page} links to {link}: {status}")
    assert not broken, f"{persona}: " + "; ".join(broken)


POSTABLE = sorted(name for name, entry in URLS.items() if entry.method in (POST, FORM))


@pytest.mark.parametrize("name", POSTABLE)
def test_refused_personas_cannot_post(name, world, db):
    entry = URLS[name]
    before = platform_snapshot()
    wrong = []
    for action, allowed in _variants(name, entry):
        url = _url(world, name, entry, action)
        for persona in sorted(EVERYONE - allowed):
            outcome = _outcome(_request(world, persona, "POST", url), persona, entry)
            if outcome != "refused":
                wrong.append(f"{persona}{f' ({action})' if action else ''}: {outcome}")
    assert not wrong, f"POST {name}: " + "; ".join(wrong)
    assert platform_snapshot() == before, f"POST {name}: a refused request changed something"


ADMIN_MODELS = sorted(f"{model._meta.app_label}_{model._meta.model_name}" for model in admin.site._registry)


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_who_may_open_each_admin_changelist(model, world, db):
    entry = Url(ADMIN_MODEL_ALLOWED)
    url = reverse(f"admin:{model}_changelist")
    wrong = []
    for persona in PERSONAS:
        outcome = _outcome(_request(world, persona, "GET", url), persona, entry)
        expected = "allowed" if persona in ADMIN_MODEL_ALLOWED else "refused"
        if outcome != expected:
            wrong.append(f"{persona}: {outcome}, expected {expected}")
    assert not wrong, f"GET admin {model}: " + "; ".join(wrong)

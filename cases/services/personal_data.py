"""Erasing a person's account on their request, once their cases are over."""

from __future__ import annotations

import hashlib
import hmac

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from cases.audit import RequestMeta, log_action
from cases.hooks import personal_data_sources
from cases.models import AuditEntry, Membership, UserPreference
from cases.selectors.personal_data import erasure_blockers
from cases.services import ServiceError


def pseudonym_for(user_id: int) -> str:
    """Stable and not reversible without the secret key: the trail still shows that one person did these
    things, without saying who."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"erased-user:{user_id}".encode(), hashlib.sha256)
    return f"former-user-{digest.hexdigest()[:12]}"


@transaction.atomic
def account_erase(*, user: User, password: str) -> str:
    """Erase ``user``'s personal data and close the account; returns the pseudonym the records keep.

    The records of their cases stay (messages, offers, signed and sealed documents, payments): they are the
    other party's and the centre's record too, and a sealed document cannot change. The account itself
    stays as an empty, inactive row named by the pseudonym, so those records still point somewhere."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise ServiceError(_("This account is already closed."))
    if not locked.check_password(password):
        raise ServiceError(_("The password is not correct."), field="password")
    blockers = erasure_blockers(locked)
    if blockers:
        raise ServiceError(" ".join(blockers))
    pseudonym = pseudonym_for(locked.pk)
    AuditEntry.objects.pseudonymise_actor(locked.pk, pseudonym)
    for source in personal_data_sources():
        if source.erase is not None:
            source.erase(locked, pseudonym)
    EmailAddress.objects.filter(user=locked).delete()
    Authenticator.objects.filter(user=locked).delete()
    UserPreference.objects.filter(user=locked).delete()
    Membership.objects.filter(user=locked).delete()
    locked.username = pseudonym
    locked.email = f"{pseudonym}@erased.invalid"
    locked.first_name = locked.last_name = ""
    locked.set_unusable_password()
    locked.is_active = False  # ends every session (and, through cases.signals, every open socket)
    locked.save()
    # Written after the pseudonymisation and without the address it came from: it names only the pseudonym.
    log_action(action="account.erased", actor=None, meta=RequestMeta(), data={"pseudonym": pseudonym})
    return pseudonym

"""An offer's two dates, as the room's plain form posts them and its socket frames carry them: how long the offer
stays open (``expires_at``, a date and time) and by when the settlement sum is to be paid (``pay_by``, a date).

``offer_dates`` is the one reader for both paths (the view and the consumer), and ``check_expiry`` and
``check_pay_by`` are the rules each date must meet, which the services apply again to whatever they are given:

- the expiry: a real date and time (one without a zone is in the viewer's zone), in the future;
- the date to pay by: a real date (``YYYY-MM-DD``, what a date input sends), today at the earliest and at
  most ``ODR_PAY_BY_MAX_DAYS`` (a year by default) ahead, so a typing slip (2062 for 2026) is caught while the offer
  can still be corrected, not years later as an obligation nobody meant.

A refusal is a ``ServiceError`` naming its field; its message says what to enter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.errors import ServiceError


@dataclass(frozen=True, slots=True)
class OfferDates:
    expires_at: datetime | None = None
    pay_by: date | None = None

    def arguments(self) -> dict[str, Any]:
        """As the offer services take them."""
        return {"expires_at": self.expires_at, "pay_by": self.pay_by}


def check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError(_("The expiry must be in the future."), field="expires_at")


def latest_pay_by(today: date | None = None) -> date:
    return (today or timezone.localdate()) + timedelta(days=settings.ODR_PAY_BY_MAX_DAYS)


def check_pay_by(pay_by: date | None) -> None:
    if pay_by is None:
        return
    today = timezone.localdate()
    if pay_by < today:
        raise ServiceError(_("The date to pay by cannot be in the past."), field="pay_by")
    if pay_by > latest_pay_by(today):
        raise ServiceError(
            _("The date to pay by can be no later than %(latest)s.")
            % {"latest": date_format(latest_pay_by(today), "DATE_FORMAT")},
            field="pay_by",
        )


def _read[T](raw: object, parse: Callable[[str], T | None], *, field: str, invalid: str) -> T | None:
    """``raw`` read by ``parse``; None when it is absent or blank, ServiceError(``invalid``) when it is not text
    that ``parse`` reads as a real date (or date and time)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        parsed = parse(raw.strip()) if isinstance(raw, str) else None
    except ValueError:  # well-formed but impossible, e.g. month 13 or 30 February
        parsed = None
    if parsed is None:
        raise ServiceError(invalid, field=field)
    return parsed


def offer_dates(data: Mapping[str, Any]) -> OfferDates:
    """The expiry and the date to pay by in a form's POST or a socket frame (either may be left out or empty),
    read and checked; ServiceError for the first that is not acceptable."""
    expires_at = _read(
        data.get("expires_at"),
        parse_datetime,
        field="expires_at",
        invalid=_("The expiry is not a valid date and time."),
    )
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)  # in the viewer's time zone
    pay_by = _read(
        data.get("pay_by"),
        parse_date,
        field="pay_by",
        invalid=_("The date to pay by is not a valid date. Enter it as year-month-day."),
    )
    check_expiry(expires_at)
    check_pay_by(pay_by)
    return OfferDates(expires_at=expires_at, pay_by=pay_by)

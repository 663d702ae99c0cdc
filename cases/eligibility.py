"""The scheme's eligibility rules, with the settings a centre may change."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from cases.money import format_hkd


@dataclass(frozen=True, slots=True)
class Eligibility:
    reasons: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.reasons


def check_eligibility(
    *, amount: Decimal | None, covid_related: bool, claimant_is_hk: bool, respondent_is_hk: bool
) -> Eligibility:
    reasons: list[str] = []
    cap: Decimal = settings.ODR_ELIGIBILITY_MAX_AMOUNT
    if amount is None:
        reasons.append(_("Enter the amount you claim."))
    elif amount > cap:
        reasons.append(
            _("The amount claimed (%(amount)s) is over the scheme's limit of %(cap)s.")
            % {"amount": format_hkd(amount), "cap": format_hkd(cap)}
        )
    if settings.ODR_ELIGIBILITY_REQUIRE_COVID and not covid_related:
        reasons.append(_("The scheme only accepts disputes that arise from or relate to COVID-19."))
    if settings.ODR_ELIGIBILITY_REQUIRE_HK_PARTY and not (claimant_is_hk or respondent_is_hk):
        reasons.append(_("At least one party must be a Hong Kong business (a company registered in Hong Kong)."))
    return Eligibility(reasons=tuple(reasons))

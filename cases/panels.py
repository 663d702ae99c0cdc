"""Rules the appointment of every kind of neutral shares: the automatic conflict check and how two
parties' rankings of a panel resolve to one choice."""

from __future__ import annotations

from collections.abc import Iterable

from cases.models import Case, Membership


def is_linked_to_parties(*, user_id: int, linked_organisation_ids: Iterable[int], case: Case) -> bool:
    """Automatically conflicted: the neutral is a party, belongs to a party's business, or has declared
    a link with one."""
    organisation_ids = set(case.parties.values_list("organisation_id", flat=True))
    if case.parties.filter(user_id=user_id).exists():
        return True
    if Membership.objects.filter(user_id=user_id, organisation_id__in=organisation_ids).exists():
        return True
    return bool(organisation_ids & set(linked_organisation_ids))


def best_common_choice(ranks: dict[int, dict[str, int]], *, eligible: Iterable[int]) -> int | None:
    """``ranks`` maps a neutral's id to each party's rank of them. The neutral both parties accept whose
    worse rank is best wins; ties go to the better sum of ranks, then the lower id."""
    allowed = set(eligible)
    common = [
        (max(by_role.values()), sum(by_role.values()), pk)
        for pk, by_role in ranks.items()
        if len(by_role) == 2 and pk in allowed
    ]
    return min(common)[2] if common else None

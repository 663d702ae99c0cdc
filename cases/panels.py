"""Rules the appointment of every kind of neutral shares: the automatic conflict check and how two
parties' rankings of a panel resolve to one choice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from cases.audit import log_action
from cases.hooks import PersonalDataSource
from cases.models import Case, Membership
from cases.models.panel import AppointmentStatus
from cases.notifications import queue_email
from cases.services import ServiceError


def conflicted_among(neutrals: Iterable[Any], case: Case) -> set[int]:
    """The ids of those ``neutrals`` (panel profiles: a user and the businesses they declared links with)
    who are automatically conflicted on ``case``: a party, a member of a party's business, or linked with
    one. Two queries however many neutrals there are, when their linked businesses are prefetched."""
    neutrals = list(neutrals)
    if not neutrals:
        return set()
    parties = list(case.parties.values_list("user_id", "organisation_id"))
    party_users = {user_id for user_id, _organisation_id in parties}
    party_organisations = {organisation_id for _user_id, organisation_id in parties}
    members = set(
        Membership.objects.filter(
            organisation_id__in=party_organisations, user_id__in={neutral.user_id for neutral in neutrals}
        ).values_list("user_id", flat=True)
    )
    return {
        neutral.pk
        for neutral in neutrals
        if neutral.user_id in party_users
        or neutral.user_id in members
        or party_organisations & {organisation.pk for organisation in neutral.linked_organisations.all()}
    }


def is_conflicted(neutral: Any, case: Case) -> bool:
    """``neutral`` (a panel profile: its user and its linked businesses) may not act on ``case``."""
    return neutral.pk in conflicted_among([neutral], case)


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


@dataclass(frozen=True)
class PanelAppointments:
    """The part of appointing a neutral that mediation and arbitration share: the parties rank the panel
    within a window, the neutral both accept best is proposed, or a case administrator is asked to
    appoint; the window's end resolves with the rankings there are.

    Each app describes its models and words once; its own services keep what differs (answering a
    proposal, the arbitrator's declaration, the mediator bar).
    """

    prefix: str  # the app's name: audit actions "<prefix>.ranked", emails "<prefix>_proposed", ...
    case_status: str
    profile_model: type[Model]  # the panel (cases.models.panel.PanelProfile)
    state_model: type[Model]  # one per case: phase, ranking_deadline_at (PanelState)
    ranking_model: type[Model]  # case, party_role, <neutral>, rank (PanelRanking)
    appointment_model: type[Model]  # case, <neutral>, proposed_by, status (PanelAppointment)
    neutral: str  # the name of the profile field on rankings and appointments
    not_in_stage: Any  # the refusals, in the app's words
    parties_only: Any
    ranking_closed: Any
    choose_one: Any
    rank_once: Any
    cannot_act: Any
    phases: dict[str, str] = field(default_factory=dict)  # "ranking", "admin", "proposed" -> the app's values
    ranking_days_setting: str = ""  # the setting that gives the parties' time to rank
    # A bar of the app's own besides a conflict (arbitration: the case's mediator, unless both parties agree):
    # the ids of those of the given neutrals it bars, in a fixed number of queries.
    barred: Callable[[list[Any], Case], set[int]] | None = None

    def eligible(self, case: Case) -> list[Any]:
        """The panel as the case's parties may rank it: active neutrals without a conflict or another bar,
        who have not declined or been replaced on this case."""
        gone = self.appointment_model.objects.filter(  # type: ignore[attr-defined]
            case=case, status__in=(AppointmentStatus.DECLINED, AppointmentStatus.REPLACED)
        ).values(f"{self.neutral}_id")
        panel = self.profile_model.objects.filter(active=True).exclude(pk__in=gone)  # type: ignore[attr-defined]
        neutrals = list(panel.select_related("user").prefetch_related("linked_organisations"))
        excluded = conflicted_among(neutrals, case)
        if self.barred is not None:
            excluded |= self.barred([neutral for neutral in neutrals if neutral.pk not in excluded], case)
        return [neutral for neutral in neutrals if neutral.pk not in excluded]

    def state_for_update(self, case: Case) -> Any:
        """The case's appointment state, locked; refused when the case is not in this stage."""
        state = self.state_model.objects.select_for_update().filter(case=case).first()  # type: ignore[attr-defined]
        if state is None or case.status != self.case_status:
            raise ServiceError(str(self.not_in_stage))
        return state

    def party_role_of(self, case: Case, user: Any) -> str:
        role = case.parties.filter(user=user).values_list("role", flat=True).first()
        if role is None:
            raise ServiceError(str(self.parties_only))
        return str(role)

    def open_ranking(self, case: Case) -> None:
        """The case entered the stage (in the transition's transaction): the ranking window opens."""
        from django.conf import settings

        days = getattr(settings, self.ranking_days_setting)
        self.state_model.objects.update_or_create(  # type: ignore[attr-defined]
            case=case,
            defaults={"phase": self.phases["ranking"], "ranking_deadline_at": timezone.now() + timedelta(days=days)},
        )
        log_action(case=case, actor=None, action=f"{self.prefix}.opened")
        emails = [party.user.email for party in case.parties.select_related("user")]
        queue_email(to=emails, template=f"{self.prefix}_rank", context={"case": case})

    def save_ranking(self, case: Case, state: Any, role: str, ids: list[int], user: Any, meta: Any) -> None:
        """Replace a party's ranking (caller holds the case's lock); resolve once both parties ranked."""
        if state.phase != self.phases["ranking"] or timezone.now() > state.ranking_deadline_at:
            raise ServiceError(str(self.ranking_closed))
        if not ids:
            raise ServiceError(str(self.choose_one), field=f"{self.neutral}s")
        if len(set(ids)) != len(ids):
            raise ServiceError(str(self.rank_once), field=f"{self.neutral}s")
        eligible = {profile.pk: profile for profile in self.eligible(case)}
        if any(pk not in eligible for pk in ids):
            raise ServiceError(str(self.cannot_act), field=f"{self.neutral}s")
        rankings = self.ranking_model.objects  # type: ignore[attr-defined]
        rankings.filter(case=case, party_role=role).delete()
        rankings.bulk_create(
            self.ranking_model(case=case, party_role=role, rank=position, **{self.neutral: eligible[pk]})
            for position, pk in enumerate(ids, start=1)
        )
        log_action(case=case, actor=user, action=f"{self.prefix}.ranked", meta=meta, data={"role": role})
        if rankings.filter(case=case).values("party_role").distinct().count() == 2:
            self.resolve(case, state)

    def best_choice(self, case: Case, *, exclude: set[int] | None = None) -> Any:
        ranks: dict[int, dict[str, int]] = {}
        for ranking in self.ranking_model.objects.filter(case=case):  # type: ignore[attr-defined]
            ranks.setdefault(getattr(ranking, f"{self.neutral}_id"), {})[ranking.party_role] = ranking.rank
        eligible = {profile.pk: profile for profile in self.eligible(case)}
        choice = best_common_choice(ranks, eligible=set(eligible) - (exclude or set()))
        return eligible[choice] if choice is not None else None

    def resolve(self, case: Case, state: Any) -> None:
        choice = self.best_choice(case)
        if choice is None:
            self.to_administrator(case, state)
        else:
            self.propose(case, state, choice, proposed_by="ranking")

    def to_administrator(self, case: Case, state: Any) -> None:
        from django.contrib.auth.models import Group

        from cases.roles_setup import ADMINISTRATOR_GROUP

        state.phase = self.phases["admin"]
        state.save(update_fields=["phase"])
        log_action(case=case, actor=None, action=f"{self.prefix}.to_administrator")
        admins = Group.objects.get(name=ADMINISTRATOR_GROUP).user_set.values_list("email", flat=True)
        queue_email(to=list(admins), template=f"{self.prefix}_appoint_needed", context={"case": case})

    def propose(self, case: Case, state: Any, profile: Any, *, proposed_by: str) -> Any:
        appointment = self.appointment_model.objects.create(  # type: ignore[attr-defined]
            case=case, proposed_by=proposed_by, **{self.neutral: profile}
        )
        state.phase = self.phases["proposed"]
        state.save(update_fields=["phase"])
        log_action(
            case=case,
            actor=None,
            action=f"{self.prefix}.proposed",
            data={self.neutral: profile.display_name, "by": proposed_by},
        )
        queue_email(
            to=profile.user.email,
            template=f"{self.prefix}_proposed",
            context={"case": case, "appointment": appointment},
        )
        return appointment

    def close_ranking_windows(self, now: datetime | None = None) -> int:
        """The ranking window closed: resolve with the rankings there are (the deadline sweep calls this)."""
        moment = now or timezone.now()
        states = self.state_model.objects  # type: ignore[attr-defined]
        due = states.filter(
            phase=self.phases["ranking"], ranking_deadline_at__lte=moment, case__status=self.case_status
        ).values_list("pk", flat=True)
        count = 0
        for state_id in due:
            with transaction.atomic():
                state = states.select_for_update().select_related("case").get(pk=state_id)
                if state.phase == self.phases["ranking"]:
                    self.resolve(state.case, state)
                    count += 1
        return count


def panel_personal_data(name: str, profile_model: Any) -> PersonalDataSource:
    """A panel's part of a neutral's personal data: their profile. On erasure they leave the panel and their
    biography goes; the name and accreditation stay, because past cases' records name who decided them."""

    def export(user: Any) -> dict[str, Any] | None:
        profile = profile_model.objects.filter(user=user).first()
        if profile is None:
            return None
        return {
            "display_name": profile.display_name,
            "languages": profile.languages,
            "specialisms": profile.specialisms,
            "accreditation": profile.accreditation,
            "biography": profile.bio,
            "on_the_panel": profile.active,
        }

    def erase(user: Any, pseudonym: str) -> None:
        profile_model.objects.filter(user=user).update(active=False, bio="")

    return PersonalDataSource(name=name, export=export, erase=erase)

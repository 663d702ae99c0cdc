from enum import StrEnum


class Role(StrEnum):
    """What someone is to a particular case. One person may hold several roles (rarely)."""

    CLAIMANT = "claimant"
    RESPONDENT = "respondent"
    MEDIATOR = "mediator"
    ARBITRATOR = "arbitrator"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"


PARTY_ROLES = frozenset({Role.CLAIMANT, Role.RESPONDENT})
NEUTRAL_ROLES = frozenset({Role.MEDIATOR, Role.ARBITRATOR})

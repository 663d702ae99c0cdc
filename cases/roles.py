from enum import StrEnum


class Role(StrEnum):
    """What someone is to a particular case. One person may hold several roles (rarely)."""

    CLAIMANT = "claimant"
    RESPONDENT = "respondent"
    MEDIATOR = "mediator"
    ARBITRATOR = "arbitrator"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"


# What one person is to one case: the type every access check, page section and selector takes.
Roles = frozenset[Role]

PARTY_ROLES: Roles = frozenset({Role.CLAIMANT, Role.RESPONDENT})
NEUTRAL_ROLES: Roles = frozenset({Role.MEDIATOR, Role.ARBITRATOR})
# The parties and the Centre's staff: who follows a case's money (fees, what the outcome requires).
PARTIES_AND_ADMINISTRATORS: Roles = PARTY_ROLES | {Role.ADMINISTRATOR}


def party_role_in(roles: Roles) -> Role | None:
    """The side someone is on (claimant or respondent), when they are a party to the case."""
    return next((role for role in (Role.CLAIMANT, Role.RESPONDENT) if role in roles), None)

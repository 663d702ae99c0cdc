"""The platform's roles as Django groups, and the permissions each carries."""

from typing import Any

PARTY_GROUP = "Parties"
MEDIATOR_GROUP = "Mediators"
ARBITRATOR_GROUP = "Arbitrators"
ADMINISTRATOR_GROUP = "Case administrators"

GROUP_PERMISSIONS: dict[str, list[str]] = {
    PARTY_GROUP: ["file_case"],
    MEDIATOR_GROUP: ["act_as_mediator"],
    ARBITRATOR_GROUP: ["act_as_arbitrator"],
    ADMINISTRATOR_GROUP: ["administer_case"],
}


def ensure_role_groups(**kwargs: Any) -> None:
    """post_migrate handler: permissions exist by then (Django creates them in an earlier handler)."""
    from django.contrib.auth.models import Group, Permission

    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="cases", codename__in=codenames))

"""The Centre's template versions: made as drafts, published (which retires the one before), retired.
A published version is never edited: deals keep pointing at the text they started from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import SYSTEM, RequestMeta, log_action
from cases.services import ServiceError
from deals.content import KEY, check_template_body
from deals.models import DealTemplate, TemplateStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _check(key: str, title_en: str, title_zh: str, body: Any) -> None:
    if not KEY.match(key.replace("-", "_")):
        raise ServiceError(_("A template key is lower-case letters, digits and hyphens."), field="key")
    if not title_en.strip() or not title_zh.strip():
        raise ServiceError(_("Give the template a title in both languages."), field="title_en")
    problems = check_template_body(body)
    if problems:
        raise ServiceError(" ".join(dict.fromkeys(problems)), field="body")


@transaction.atomic
def deal_template_draft(
    *, key: str, title_en: str, title_zh: str, body: Any, actor: User, meta: RequestMeta = SYSTEM
) -> DealTemplate:
    """A new draft version of the template ``key`` (the first, or the next after the latest)."""
    _check(key, title_en, title_zh, body)
    # Drafts of one key are numbered one after another: the lock keeps two administrators from taking the same.
    latest = DealTemplate.objects.select_for_update().filter(key=key).aggregate(v=Max("version"))["v"] or 0
    template = DealTemplate.objects.create(
        key=key, version=latest + 1, title_en=title_en.strip(), title_zh=title_zh.strip(), body=body, created_by=actor
    )
    log_action(
        action="deal_template.drafted",
        actor=actor,
        meta=meta,
        subject=f"deal-template:{key}",
        data={"key": key, "version": template.version},
    )
    return template


@transaction.atomic
def deal_template_publish(*, template: DealTemplate, actor: User, meta: RequestMeta = SYSTEM) -> DealTemplate:
    """Offer this version for new deals; the version offered before is retired (its deals keep it)."""
    locked = DealTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.status != TemplateStatus.DRAFT:
        raise ServiceError(_("Only a draft version can be published."))
    _check(locked.key, locked.title_en, locked.title_zh, locked.body)
    now = timezone.now()
    DealTemplate.objects.filter(key=locked.key, status=TemplateStatus.PUBLISHED).update(status=TemplateStatus.RETIRED)
    locked.status = TemplateStatus.PUBLISHED
    locked.published_at = now
    locked.save(update_fields=["status", "published_at"])
    log_action(
        action="deal_template.published",
        actor=actor,
        meta=meta,
        subject=f"deal-template:{locked.key}",
        data={"key": locked.key, "version": locked.version},
    )
    return locked


@transaction.atomic
def deal_template_retire(*, template: DealTemplate, actor: User, meta: RequestMeta = SYSTEM) -> DealTemplate:
    """Stop offering a template for new deals (the deals made from it keep it)."""
    locked = DealTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.status != TemplateStatus.PUBLISHED:
        raise ServiceError(_("Only the version on offer can be retired."))
    locked.status = TemplateStatus.RETIRED
    locked.save(update_fields=["status"])
    log_action(
        action="deal_template.retired",
        actor=actor,
        meta=meta,
        subject=f"deal-template:{locked.key}",
        data={"key": locked.key, "version": locked.version},
    )
    return locked


@transaction.atomic
def first_templates_publish() -> list[DealTemplate]:
    """Version 1 of each of the Centre's first templates, published where that template has no version yet
    (the migration ``0002_first_templates`` does the same on a fresh database; a database emptied since, as
    between transactional tests, gets them back here)."""
    from deals.catalogue import FIRST_TEMPLATES, template_body

    published = []
    for spec in FIRST_TEMPLATES:
        if DealTemplate.objects.filter(key=spec["key"]).exists():
            continue
        published.append(
            DealTemplate.objects.create(
                key=spec["key"],
                version=1,
                status=TemplateStatus.PUBLISHED,
                title_en=spec["title"]["en"],
                title_zh=spec["title"]["zh-hant"],
                body=template_body(spec),
                published_at=timezone.now(),
            )
        )
    return published

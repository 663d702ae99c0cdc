import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.audit import private_draft_documents, shown_data
from cases.models import (
    ArbitrationEntry,
    AuditEntry,
    Case,
    CaseAssignment,
    CaseParty,
    CaseResponse,
    CaseSettlement,
    DeadlineReminder,
    Document,
    DocumentVersion,
    Invitation,
    Membership,
    Obligation,
    Organisation,
    PaymentReport,
    PendingStage,
    ReferenceCounter,
    SecurityEvent,
    UserPreference,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "br_number", "is_hk_registered", "size_band", "contact_email"]
    search_fields = ["name", "br_number", "contact_email"]
    list_filter = ["size_band", "is_hk_registered"]
    inlines = [MembershipInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records whose history must not change from any page: state moves only through services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown inside their parent's page, never added, changed or removed there."""

    extra = 0
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PartyInline(ReadOnlyInline):
    model = CaseParty


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "outcome", "amount_claimed", "filed_at", "deadline_at"]
    list_filter = ["status", "outcome", "category"]
    search_fields = ["reference", "respondent_name", "respondent_email"]
    inlines = [PartyInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "actor_label", "action", "from_status", "to_status", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "case__reference"]
    # The data as the audit trail shows it to staff: nothing of a draft's content (cases.audit.shown_data).
    exclude = ["data"]
    readonly_fields = ["details"]

    @admin.display(description=_("Details"))
    def details(self, entry: AuditEntry) -> str:
        private_documents = private_draft_documents(entry.case)
        return json.dumps(shown_data(entry.action, entry.data, entry.visible_to_parties, private_documents))


class PrivateDraftsHidden(ReadOnlyAdmin):
    """Documents attached to a submission not yet filed are their author's alone, staff included."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        hidden = {"withheld": True} if self.model is Document else {"document__withheld": True}
        return super().get_queryset(request).exclude(**hidden)


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user_label", "ip_address", "reason", "method", "path", "suppressed_before"]
    list_filter = ["reason"]
    search_fields = ["user_label", "path"]


for model in (
    CaseResponse,
    Invitation,
    CaseAssignment,
    CaseParty,
    CaseSettlement,
    ReferenceCounter,
    DeadlineReminder,
    Membership,
    PendingStage,
    ArbitrationEntry,
    UserPreference,
    Obligation,
    PaymentReport,
):
    admin.site.register(model, ReadOnlyAdmin)
admin.site.register(Document, PrivateDraftsHidden)
admin.site.register(DocumentVersion, PrivateDraftsHidden)

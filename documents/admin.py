from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from cases.admin import ReadOnlyAdmin
from cases.roles import Role
from documents.access import DOCUMENT_AUDIENCES
from documents.models import DocumentSignature, IssuedDocument

# What a case administrator may have, by documents.access: the Django admin shows staff no more.
STAFF_DOCUMENTS = Q(pk__in=[])
for (kind, status), audience in DOCUMENT_AUDIENCES.items():
    if Role.ADMINISTRATOR in audience:
        STAFF_DOCUMENTS |= Q(kind=kind, status=status)


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "version", "status", "verification_reference", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["case__reference", "verification_reference", "sha256"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[IssuedDocument]:
        return super().get_queryset(request).filter(STAFF_DOCUMENTS)


admin.site.register(DocumentSignature, ReadOnlyAdmin)

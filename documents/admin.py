from django.contrib import admin

from cases.admin import ReadOnlyAdmin
from documents.models import DocumentSignature, IssuedDocument


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "version", "status", "verification_reference", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["case__reference", "verification_reference", "sha256"]


admin.site.register(DocumentSignature, ReadOnlyAdmin)

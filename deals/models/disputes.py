from __future__ import annotations

from django.db import models

from deals.models.deals import Deal


class DealDispute(models.Model):
    """A dispute opened from a deal: the case it became. The one-step dispute from a signed contract writes it
    with the claim it drafts; the administrators' dashboard and the public statistics count a deal as later
    disputed once that claim is filed."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="disputes")
    # A case comes from at most one deal; a deal may lead to more than one case.
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="from_deal")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deal", "created_at"]

    def __str__(self) -> str:
        return f"Dispute {self.case_id} from {self.deal}"

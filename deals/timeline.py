"""How each audited step of a deal reads in its history, in the reader's language."""

from django.utils.translation import gettext_lazy as _

HISTORY_TEXTS = {
    "deal.started": _("Started the deal from the template"),
    "deal.invitation_sent": _("Invited the other business"),
    "deal.joined": _("Joined the deal"),
    "deal.proposal_made": _("Proposed a change"),
    "deal.proposal_accepted": _("Accepted a proposal: a new version"),
    "deal.proposal_rejected": _("Rejected a proposal"),
    "deal.proposal_withdrawn": _("Withdrew a proposal"),
    "deal.odr_clause_struck": _("The ODR clause was struck"),
    "deal.odr_clause_kept": _("The ODR clause was restored"),
    "deal.commented": _("Commented"),
    "deal.marked_final": _("Marked the text final"),
    "deal.unmarked_final": _("Took back the mark of the text as final"),
    "deal.locked": _("Both marked the same version final: the text is locked for signing"),
    "deal.contract_prepared": _("The contract's PDF is ready to sign"),
    "deal.contract_refused": _("The contract's PDF could not be produced: the Centre's staff have been told"),
    "deal.signed": _("Signed the contract"),
    "deal.executed": _("Both businesses signed: the contract is sealed"),
    "deal.cancelled": _("Cancelled the deal"),
    # The deal-making fee of each business (payments writes these on the deal's subject).
    "fee.charged": _("A business's deal-making fee fell due"),
    "fee.paid": _("A business paid its deal-making fee"),
    "fee.waived": _("A business's deal-making fee was waived"),
    "fee.cancelled": _("A business's deal-making fee is no longer due"),
}

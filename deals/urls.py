from django.urls import path

from deals.views import actions, contract, fees, keeping, pages, templates

app_name = "deals"

urlpatterns = [
    path("deals/", pages.deal_list, name="list"),
    path("deals/new/<int:template_id>/", pages.deal_new, name="new"),
    path("deals/invitation/<str:token>/", pages.invitation, name="invitation"),
    path("deals/templates/", templates.template_list, name="templates"),
    path("deals/templates/new/", templates.template_new, name="template_new"),
    path("deals/templates/<int:template_id>/<str:action>/", templates.template_action, name="template_action"),
    path("deals/<uuid:deal_id>/", pages.deal_detail, name="detail"),
    path("deals/<uuid:deal_id>/versions/", pages.deal_versions_page, name="versions"),
    path("deals/<uuid:deal_id>/propose/", actions.propose, name="propose"),
    path("deals/<uuid:deal_id>/proposals/<int:proposal_id>/<str:decision>/", actions.decide, name="decide"),
    path("deals/<uuid:deal_id>/comment/", actions.comment, name="comment"),
    path("deals/<uuid:deal_id>/final/", actions.final, name="final"),
    path("deals/<uuid:deal_id>/final/undo/", actions.final, {"undo": True}, name="final_undo"),
    path("deals/<uuid:deal_id>/cancel/", actions.cancel, name="cancel"),
    path("deals/<uuid:deal_id>/invite/", actions.invite_again, name="invite"),
    path(
        "deals/<uuid:deal_id>/obligations/<int:obligation_id>/<str:step>/",
        keeping.obligation_step,
        name="obligation_step",
    ),
    path("deals/<uuid:deal_id>/evidence/<int:event_id>/", keeping.evidence_download, name="evidence"),
    path("deals/<uuid:deal_id>/dispute/", keeping.dispute_open, name="dispute"),
    path("deals/<uuid:deal_id>/sign/", actions.sign, name="sign"),
    path("deals/<uuid:deal_id>/contract/draft/", contract.contract_pdf, {"which": "draft"}, name="contract_draft"),
    path(
        "deals/<uuid:deal_id>/contract/executed/",
        contract.contract_pdf,
        {"which": "executed"},
        name="contract_executed",
    ),
    path("deals/<uuid:deal_id>/fee/", fees.fee_pay, name="fee"),
    path("deals/<uuid:deal_id>/fee/card/", fees.fee_card, name="fee_card"),
    path("deals/<uuid:deal_id>/fee/transfer/", fees.fee_transfer, name="fee_transfer"),
    path("deals/<uuid:deal_id>/fee/payments/<uuid:payment_id>/", fees.fee_payment, name="fee_payment"),
]

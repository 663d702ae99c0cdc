from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.services.webhooks import WebhookRejected, WebhookRetryLater, stripe_event_handle, stripe_event_verify

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe signs the body instead; the signature is checked before anything is read from it.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise Http404
    try:
        event = stripe_event_verify(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except WebhookRejected as exc:
        logger.warning("stripe webhook rejected: %s", exc)
        return HttpResponse("invalid signature", status=400, content_type="text/plain")
    try:
        outcome = stripe_event_handle(event=event)
    except WebhookRetryLater as exc:
        return HttpResponse(f"retry later: {exc}", status=503, content_type="text/plain")
    return HttpResponse(outcome, status=200, content_type="text/plain")

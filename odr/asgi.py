"""ASGI entry point: HTTP through Django, websockets through Channels' router."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "odr.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from odr.routing import websocket_urlpatterns  # noqa: E402

# Everything loaded at start-up (Django, the models, the URLconf) lives as long as the process; moving
# it out of the collector's sight keeps full collections short, which shows in the sockets' tail latency.
gc.collect()
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Every consumer subclasses odr.sockets.RoomConsumer, which checks the Origin (ALLOWED_HOSTS) first, and
        # records a refused socket with the person whose browser opened it (cases.security_events).
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)

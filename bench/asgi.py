"""``odr.asgi`` plus the bare broadcast route, for the benchmark only."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "odr.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from bench.bare import BareBroadcastConsumer, StoringBroadcastConsumer  # noqa: E402
from odr.routing import websocket_urlpatterns  # noqa: E402

# Everything loaded at start-up (Django, the models, the URLconf) lives as long as the process; moving
# it out of the collector's sight keeps full collections short, which shows in the sockets' tail latency.
gc.collect()
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path("ws/bench/bare/<int:room>/", BareBroadcastConsumer.as_asgi()),
                        path("ws/bench/stored/<int:room>/", StoringBroadcastConsumer.as_asgi()),
                        *websocket_urlpatterns,
                    ]
                )
            )
        ),
    }
)

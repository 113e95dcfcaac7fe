"""The ASGI application (`uvicorn cercle.asgi:application`): HTTP and WebSocket on one port."""

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

from cercle.core.asgi_handler import PooledASGIHandler  # noqa: E402
from cercle.core.lifespan import lifespan  # noqa: E402
from cercle.routing import websocket_urlpatterns  # noqa: E402

http_application: Any = (
    PooledASGIHandler(threads=settings.HTTP_THREADS) if settings.HTTP_THREADS > 0 else ASGIHandler()
)

application = ProtocolTypeRouter(
    {
        "http": http_application,
        # The server stopping: events still queued are sent first (cercle.core.lifespan).
        "lifespan": lifespan,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

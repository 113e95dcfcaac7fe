"""The ASGI application (`uvicorn cercle.asgi:application`): HTTP and WebSocket on one port."""

import gc
import os
from typing import Any

import django

from cercle.core.allocator import keep_large_buffers

# Before anything large is allocated: uploads' buffers reused, not mapped afresh (its docstring).
keep_large_buffers()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
django.setup(set_prefix=False)

from cercle.core import cache_generation  # noqa: E402

# The server: on the embedded default, it empties its own cache when another process (the task
# worker, a command) has written (`cercle.core.cache_generation`).
cache_generation.serve()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.urls import get_resolver  # noqa: E402

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

# What the process holds once started (Django, the URLconf and every view it imports) lives as
# long as the process: moved out of the garbage collector's sight. A full collection walked these
# 200,000 objects, about 130 ms, every few hundred requests: most of the pages' p99 above their
# median (docs/benchmarks.md, "A full garbage collection in the tail").
get_resolver().url_patterns  # noqa: B018  (imports the views)
gc.collect()
gc.freeze()

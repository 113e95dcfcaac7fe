"""WebSocket routes: one socket per browser tab at /ws/."""

from django.urls import path

from cercle.core.consumers import RealtimeConsumer

websocket_urlpatterns = [path("ws/", RealtimeConsumer.as_asgi())]

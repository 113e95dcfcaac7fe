"""The socket assembled from the modules' parts (cercle.core.consumers.SocketPart): declarations
unioned, hooks called per part, core importing no module."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator

from cercle.core.consumers import RealtimeConsumer, SocketPart
from cercle.core.events import HelloPart
from cercle.core.realtime import Event, publish_now
from cercle.routing import Socket
from tests.factories import make_user
from tests.helpers.sockets import CONNECT_TIMEOUT

CORE = Path(__file__).resolve().parents[2] / "src" / "cercle" / "core"


def test_the_socket_unions_its_parts_declarations() -> None:
    assert set(Socket.frame_handlers) >= {"ping", "message.send", "sync", "feed.subscribe"}
    assert Socket.all_direct_events == {
        "message.new",
        "message.updated",
        "typing",
        "presence",
        "notification.new",
        "notification.read",
    }
    assert [p.__name__ for p in Socket.hello_parts] == ["ChatHello", "NotificationsHello"]
    for name in Socket.frame_handlers.values():
        assert callable(getattr(Socket, name))
    # The base alone: ping, nothing handed over directly.
    assert RealtimeConsumer.frame_handlers == {"ping": "on_ping"}
    assert RealtimeConsumer.all_direct_events == frozenset()


def test_two_parts_handling_one_frame_type_is_an_error() -> None:
    class One(SocketPart):
        frames = {"thing.do": "on_thing"}

    class Other(SocketPart):
        frames = {"thing.do": "on_other_thing"}

    with pytest.raises(TypeError, match=r"thing\.do"):

        class Broken(One, Other, RealtimeConsumer):
            pass


@dataclass(frozen=True)
class EchoHello(HelloPart):
    echoes: int


@dataclass(frozen=True)
class Echoed(Event):
    type = "test.echoed"
    text: str


@dataclass(frozen=True)
class Shout(Event):
    type = "test.shout"
    text: str


class EchoSocketMixin(SocketPart):
    """A module's part: a frame, a group, hello fields, an event handed over directly."""

    frames = {"echo": "on_echo"}
    direct_events = frozenset({Shout.type})
    hello_part: ClassVar[type[HelloPart] | None] = EchoHello
    left: list[str] = []

    async def part_connect(self) -> HelloPart | None:
        await self.channel_layer.group_add("test.echo", self.channel_name)
        return EchoHello(echoes=0)

    async def part_disconnect(self) -> None:
        await self.channel_layer.group_discard("test.echo", self.channel_name)
        EchoSocketMixin.left.append(self.channel_name)

    def part_keeps(self, event: dict[str, Any]) -> bool:
        return event.get("text") != "quiet"

    async def on_echo(self, frame: dict[str, Any]) -> None:
        await self.send_event(Echoed(text=str(frame["text"])))


class EchoSocket(EchoSocketMixin, Socket):
    pass


@pytest.mark.django_db(transaction=True)
async def test_a_part_plugs_its_frames_groups_hello_and_events_into_the_socket() -> None:
    anne = await sync_to_async(make_user)()
    comm = WebsocketCommunicator(EchoSocket.as_asgi(), "/ws/")
    comm.scope["user"] = anne
    assert (await comm.connect(timeout=CONNECT_TIMEOUT))[0]
    hello = await comm.receive_json_from()
    assert hello["user_id"] == anne.pk and hello["echoes"] == 0
    assert "last_message_id" in hello  # the chat's part is still there
    await comm.send_json_to({"type": "echo", "text": "hi"})
    assert await comm.receive_json_from() == Echoed(text="hi").payload()
    await sync_to_async(publish_now)(Shout(text="quiet"), groups=["test.echo"])
    await sync_to_async(publish_now)(Shout(text="loud"), groups=["test.echo"])
    assert await comm.receive_json_from(timeout=2) == Shout(text="loud").payload()
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()
    assert len(EchoSocketMixin.left) == 1


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at module level or inside a function, but those under
    `if TYPE_CHECKING:` (types only)."""
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return names


@pytest.mark.parametrize(
    "module", ["consumers", "realtime", "events", "layers", "actions", "api", "models", "schemas"]
)
def test_the_socket_s_core_imports_no_module(module: str) -> None:
    """`cercle.core` is the ground: the socket's base, its events and its ticket know no app."""
    imported = _imports(CORE / f"{module}.py")
    apps = [n for n in imported if n.startswith("cercle.") and not n.startswith("cercle.core")]
    assert apps == [], f"cercle.core.{module} imports {apps}"

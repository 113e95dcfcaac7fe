"""JSON logs (CERCLE_LOG_FORMAT=json) and the request id: real log output on a real stream,
parsed; the id follows a request into the tasks it enqueues (run by django-tasks-db's worker)
and the realtime events it publishes (and the sockets' handling of them)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django_tasks import task

from cercle.core.consumers import RealtimeConsumer, SocketPart
from cercle.core.operations.context import request_id_var
from cercle.core.operations.logs import JsonFormatter, logging_config
from cercle.core.realtime import Event, publish_now, user_group
from tests.factories import make_group, make_user
from tests.helpers.sockets import CONNECT_TIMEOUT, Listener, drain

task_logger = logging.getLogger("tests.operations.task")
socket_logger = logging.getLogger("tests.operations.socket")


class JsonLines:
    """A real stream handler with the JSON formatter, on some loggers; `lines()` parses it."""

    def __init__(self, *names: str) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.loggers = [logging.getLogger(name) for name in names]
        self.levels = [logger.level for logger in self.loggers]
        for logger in self.loggers:
            logger.addHandler(self.handler)
            logger.setLevel(logging.INFO)

    def close(self) -> None:
        for logger, level in zip(self.loggers, self.levels, strict=True):
            logger.removeHandler(self.handler)
            logger.setLevel(level)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]


@pytest.fixture
def close_socket_connections() -> Iterator[None]:
    """The sockets' database thread keeps a connection: give it back (PostgreSQL's pool)."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture
def json_lines() -> Iterator[Any]:
    opened: list[JsonLines] = []

    def open_(*names: str) -> JsonLines:
        lines = JsonLines(*names)
        opened.append(lines)
        return lines

    yield open_
    for lines in opened:
        lines.close()


def test_the_settings_switch_to_json_lines() -> None:
    text = logging_config(log_format="text", level="WARNING", access_log=False)
    assert "formatter" not in text["handlers"]["console"]
    assert text["loggers"]["cercle.request"]["level"] == "WARNING"
    config = logging_config(log_format="json", level="INFO", access_log=True)
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["loggers"]["cercle.request"]["level"] == "INFO"
    assert config["loggers"]["uvicorn.error"]["handlers"] == ["console"]


@pytest.mark.django_db
def test_a_request_writes_one_access_line_and_its_own_lines_carry_its_id(
    client: Client, json_lines: Any
) -> None:
    user = make_user(username="loganne")
    client.force_login(user)
    capture = json_lines("cercle.request", "django.request")
    response = client.get("/people/nobody-like-this/", HTTP_X_REQUEST_ID="edge-4f2a-77")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-4f2a-77"
    access, warning = capture.lines()
    # Django's own "Not Found" line, written by its handler once the middleware is done: the
    # request's facts come from the request the line is about.
    assert warning["logger"] == "django.request"
    assert warning["level"] == "WARNING"
    assert warning["request_id"] == "edge-4f2a-77"
    assert warning["user_id"] == user.pk
    assert warning["route"] == "/people/<str:username>/"
    assert access["logger"] == "cercle.request"
    assert access["level"] == "INFO"
    assert access["message"] == "GET /people/<str:username>/ 404"
    assert {k: access[k] for k in ("request_id", "user_id", "route", "method", "status")} == {
        "request_id": "edge-4f2a-77",
        "user_id": user.pk,
        "route": "/people/<str:username>/",
        "method": "GET",
        "status": 404,
    }
    assert access["duration_ms"] > 0
    assert datetime.fromisoformat(access["time"]).utcoffset() is not None


@pytest.mark.django_db
def test_an_anonymous_request_gets_a_generated_id(client: Client, json_lines: Any) -> None:
    capture = json_lines("cercle.request")
    response = client.get("/accounts/login/")
    (line,) = capture.lines()
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert "user_id" not in line
    assert line["status"] == 200


def test_an_exception_is_kept_as_text(json_lines: Any) -> None:
    capture = json_lines("tests.operations.task")
    try:
        raise ValueError("boom")
    except ValueError:
        task_logger.exception("it failed")
    (line,) = capture.lines()
    assert line["message"] == "it failed"
    assert line["level"] == "ERROR"
    assert "ValueError: boom" in line["exc_info"]


def test_extra_fields_are_kept_but_uvicorn_s_coloured_copy(json_lines: Any) -> None:
    capture = json_lines("tests.operations.task")
    task_logger.warning("Finished %s", 7, extra={"color_message": "\x1b[36m7", "shard": 3})
    (line,) = capture.lines()
    assert line["message"] == "Finished 7"
    assert line["shard"] == 3
    assert "color_message" not in line


@task()
def log_from_task(word: str) -> str:
    task_logger.info("task says %s", word)
    return word


@pytest.mark.django_db(transaction=True)
def test_the_request_id_follows_into_the_task_worker(settings: Any, json_lines: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "cercle.core.operations.tasks.DatabaseBackend", "QUEUES": []}
    }
    token = request_id_var.set("req-task-0042")  # as the middleware does for a request
    try:
        result = log_from_task.enqueue("bonjour")
    finally:
        request_id_var.reset(token)
    row = DBTaskResult.objects.get(id=result.id)
    # Beside the arguments, which the task receives unchanged.
    assert row.args_kwargs == {
        "args": ["bonjour"],
        "kwargs": {},
        "cercle": {"request_id": "req-task-0042"},
    }

    capture = json_lines("tests.operations.task")
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert row.return_value == "bonjour"
    (line,) = capture.lines()
    assert line["message"] == "task says bonjour"
    assert line["request_id"] == "req-task-0042"
    assert line["task_id"] == str(result.id)
    # Once the task is done, the worker's context is clean again.
    assert request_id_var.get() is None


@pytest.mark.django_db(transaction=True)
def test_a_request_s_id_goes_with_its_tasks_and_its_realtime_events(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "cercle.core.operations.tasks.DatabaseBackend", "QUEUES": []}
    }
    anne, bruno = make_user(username="anne"), make_user(username="bruno")
    group = make_group(anne, [bruno])
    listener = Listener(user_group(bruno.pk), f"conversation.{group.pk}")
    client = Client()
    client.force_login(anne)
    response = client.post(
        f"/api/v1/conversations/{group.pk}/messages",
        json.dumps({"client_id": "c1", "body": "Bonjour @bruno"}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-chat-0007",
    )
    assert response.status_code == 201, response.content
    layer = listener.layer

    async def messages() -> list[dict[str, Any]]:
        found = []
        while True:
            try:
                found.append(await asyncio.wait_for(layer.receive(listener.channel), 0.05))
            except TimeoutError:
                return found

    received = [m for m in async_to_sync(messages)() if m["type"] == "cercle.event"]
    assert {m["event"]["type"] for m in received} >= {"message.new", "chat.mention"}
    assert {m.get("request_id") for m in received} == {"req-chat-0007"}
    # The mention's mail, for later: its task row carries the request's id.
    mention_mail = DBTaskResult.objects.get(task_path__endswith="send_mention_email")
    assert mention_mail.args_kwargs["cercle"] == {"request_id": "req-chat-0007"}


@dataclass(frozen=True)
class Noted(Event):
    type = "test.noted"
    note: str


class LoggingPart(SocketPart):
    async def part_follow(self, event: dict[str, Any]) -> None:
        socket_logger.info("socket follows %s", event["type"])


class LoggingSocket(LoggingPart, RealtimeConsumer):
    pass


@pytest.mark.django_db(transaction=True)
async def test_a_socket_handling_an_event_logs_with_the_id_of_its_cause(
    json_lines: Any, close_socket_connections: None
) -> None:
    user = await sync_to_async(make_user)(username="sockanne")
    comm = WebsocketCommunicator(LoggingSocket.as_asgi(), "/ws/")
    comm.scope["user"] = user
    assert (await comm.connect(timeout=CONNECT_TIMEOUT))[0]
    await drain(comm)
    capture = json_lines("tests.operations.socket")
    token = request_id_var.set("req-rt-0099")
    try:
        await sync_to_async(publish_now)(Noted(note="x"), groups=[user_group(user.pk)])
    finally:
        request_id_var.reset(token)
    assert [f["type"] for f in await drain(comm)] == ["test.noted"]
    (line,) = capture.lines()
    assert line["message"] == "socket follows test.noted"
    assert line["request_id"] == "req-rt-0099"
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_each_socket_frame_gets_an_id_that_its_events_carry(
    close_socket_connections: None,
) -> None:
    from tests.factories import make_direct
    from tests.helpers.sockets import connected, next_of_type

    anne = await sync_to_async(make_user)(username="frameanne")
    bruno = await sync_to_async(make_user)(username="framebruno")
    direct = await sync_to_async(make_direct)(anne, bruno)
    listener = await sync_to_async(Listener)(f"conversation.{direct.pk}")
    comm = await connected(anne)
    ids = []
    for n in range(2):
        await comm.send_json_to(
            {
                "type": "message.send",
                "conversation_id": direct.pk,
                "client_id": f"f{n}",
                "body": "Hi",
            }
        )
        await next_of_type(comm, "message.ack")
        found = []
        while not found:
            message = await listener.layer.receive(listener.channel)
            if message.get("type") == "cercle.event" and message["event"]["type"] == "message.new":
                found.append(message)
        ids.append(found[0]["request_id"])
    assert all(len(i) == 32 for i in ids)
    assert ids[0] != ids[1]
    await comm.disconnect()

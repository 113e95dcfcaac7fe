"""Every endpoint of the wall, spaces and notifications API, read from the OpenAPI description,
called with odd path values, odd query strings and odd bodies: never a 500, always `{"detail"}`.
And every endpoint of the whole API that takes a JSON body, sent JSON that is not an object: a 422
that changes nothing."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from cercle.announcements import actions as announcement_actions
from cercle.documents import actions as document_actions
from cercle.feed import actions as feed_actions
from cercle.feed.models import Report
from cercle.news import actions as news_actions
from cercle.notifications.models import Notification
from cercle.pages import actions as page_actions
from cercle.spaces import actions as space_actions
from cercle.spaces import queries as space_queries
from tests.factories import (
    add_member,
    make_admin,
    make_event,
    make_group,
    make_message,
    make_post,
    make_space,
    make_user,
)

pytestmark = pytest.mark.django_db
TAGS = {"wall", "announcements", "spaces", "notifications"}
HUGE = 2**70
NUL = "\x00"
BODIES: list[Any] = [
    "{",
    "[]",
    "null",
    {
        "body": NUL,
        "name": NUL,
        "reason": NUL,
        "details": NUL,
        "level": NUL,
        "kind": NUL,
        "decision": NUL,
        "message": NUL,
        "role": NUL,
        "description": NUL,
        "modules": [NUL],
        "email": {NUL: True},
    },
    {
        "body": "x" * 100_000,
        "name": "x" * 10_000,
        "details": "x" * 10_000,
        "message": "x" * 10_000,
        "reason": "x" * 10_000,
        "kind": "x" * 10_000,
    },
    {
        "space_id": HUGE,
        "parent_id": HUGE,
        "comment_id": HUGE,
        "user_ids": [HUGE, -1, 0],
        "department_id": HUGE,
        "department_ids": [HUGE],
        "site_ids": [-1],
    },
    {
        "space_id": "x",
        "parent_id": [],
        "comment_id": {},
        "user_ids": "x",
        "accept": "x",
        "pinned": "x",
        "saved": {},
        "requires_ack": [],
        "quiet_start": "x",
        "quiet_end": 5,
    },
]
QUERIES = [
    "",
    "?cursor=%00",
    "?cursor=eyJ4IjogMX0",
    "?q=%00x&kind=%00&filter=%00&since=2026-01-01T00:00:00",
    "?comment_id=99999999999999999999999&since=%00&unread=maybe&mine=x&limit=-1",
]


def _operations() -> list[tuple[str, str]]:
    schema = Client().get("/api/v1/openapi.json").json()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if TAGS & set(operation.get("tags", [])):
                found.append((method, path))
    return found


def _world() -> tuple[Any, dict[str, str]]:
    admin, member = make_admin(), make_user(username="member")
    space = make_space(owner=admin, kind="request")
    add_member(space, member)
    post = make_post(author=member, space=space, body="Hello @member #tag")
    comment = feed_actions.add_comment(actor=admin, post=post, body="Hi")
    report = feed_actions.report(actor=admin, post=post, reason="spam")
    org_post = make_post(author=admin, space=space_queries.organisation_space())
    announcement = announcement_actions.announce(actor=admin, post=org_post, requires_ack=True)
    [invitation] = space_actions.invite(actor=admin, space=space, users=[make_user()])
    join_request = space_actions.request_to_join(actor=make_user(), space=space)
    notification = Notification.objects.filter(recipient=admin).first()
    conversation = make_group(admin, [member])
    message = make_message(admin, conversation)
    page = page_actions.create_page(actor=admin, space=space, title="Guide")
    event = make_event(organiser=admin)
    article = news_actions.create_article(
        actor=admin, data=news_actions.ArticleInput(title="Nouvelles", body="Texte")
    )
    valid = {
        "post_id": str(post.pk),
        "comment_id": str(comment.pk),
        "space_key": space.slug,
        "report_id": str(report.pk),
        "announcement_id": str(announcement.pk),
        "invitation_id": str(invitation.pk),
        "request_id": str(join_request.pk),
        "notification_id": str(notification.pk if notification else 1),
        "person_id": str(member.pk),
        "user_id": str(member.pk),
        "name": "tag",
        "conversation_id": str(conversation.pk),
        "message_id": str(message.pk),
        "page_id": str(page.pk),
        "number": "1",
        "event_id": str(event.pk),
        "article_id": str(article.pk),
    }
    # The document base's paths (its own fuzzing is in tests/documents/test_api.py).
    root = document_actions.root_of(document_actions.personal_library(user=admin))
    folder = document_actions.create_folder(actor=admin, parent=root, name="Dossier")
    document = document_actions.upload_file(
        actor=admin, folder=folder, upload=io.BytesIO(b"x\n"), name="x.txt"
    ).document
    valid.update(
        folder_id=str(folder.pk),
        file_id=str(document.pk),
        library_id=str(root.library_id),
        space_id=str(space.pk),
        number="1",
    )
    assert Report.objects.exists()
    return admin, valid


@pytest.mark.parametrize("who", ["admin", "member"])
def test_no_input_makes_a_500(who: str) -> None:
    admin, valid = _world()
    user = admin if who == "admin" else make_user()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    operations = _operations()
    assert len(operations) > 60
    failures = []
    for method, path in operations:
        params = re.findall(r"{(\w+)}", path)
        # All parameters valid, then each one odd in turn (the others valid, so that the odd one
        # is what the endpoint meets).
        variants = [dict.fromkeys(params)] + [
            {**dict.fromkeys(params), name: odd}
            for name in params
            for odd in (str(HUGE), "%00", "%C2%B2", "x" * 300, "-1")
        ]
        for variant in variants:
            if method == "delete" and all(v is None for v in variant.values()):
                continue  # keep the things the other calls use
            url = path
            for name, odd in variant.items():
                url = url.replace("{" + name + "}", valid[name] if odd is None else odd)
            calls: list[tuple[str, str | None]]
            if method in ("post", "put", "patch"):
                calls = [
                    (url, body if isinstance(body, str) else json.dumps(body)) for body in BODIES
                ]
            else:
                calls = [(url + query, None) for query in QUERIES]
            for target, data in calls:
                if data is None:
                    response = getattr(client, method)(target)
                else:
                    response = getattr(client, method)(
                        target, data, content_type="application/json"
                    )
                if response.status_code >= 500 or (
                    response.status_code >= 400
                    and response["Content-Type"].startswith("application/json")
                    and "detail" not in response.json()
                ):
                    failures.append((method, target[:80], response.status_code))
    assert failures == []


# JSON that is not an object. Ninja's schemas read attributes as well as keys (to build outputs
# from models), so without the API's own check `[]` passed for an object with no fields.
NOT_OBJECTS = ["[]", '"x"', "3", "null", "true", '[{"name": "x"}]']


def _json_body_operations() -> list[tuple[str, str]]:
    """Every operation of the whole API (every tag) whose request body is JSON."""
    schema = Client().get("/api/v1/openapi.json").json()
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


def _snapshot() -> dict[str, list[str]]:
    """Every row of Cercle's own tables (and the task queue): a call that changes nothing leaves
    this equal."""
    models = [m for m in apps.get_models() if m.__module__.startswith(("cercle.", "django_tasks"))]
    return {
        m._meta.label: sorted(repr(sorted(row.items())) for row in m._default_manager.values())
        for m in models
    }


def test_a_json_body_that_is_not_an_object_is_a_422_that_changes_nothing() -> None:
    admin, valid = _world()
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    operations = _json_body_operations()
    # Every router's: people, auth, messages, spaces, wall, notifications.
    assert {"/api/v1/me/profile", "/api/v1/auth/token", "/api/v1/spaces/{space_key}"} <= {
        path for _, path in operations
    }
    assert len(operations) > 25
    before = _snapshot()
    failures = []
    for method, path in operations:
        url = re.sub(r"{(\w+)}", lambda found: valid[found.group(1)], path)
        for body in NOT_OBJECTS:
            response = getattr(client, method)(url, body, content_type="application/json")
            detail = response.json().get("detail") if response.status_code == 422 else None
            # One problem, at the body, in the shape of the other invalid-input errors.
            if not (
                isinstance(detail, list)
                and len(detail) == 1
                and detail[0]["type"] == "dict_type"
                and detail[0]["loc"] == ["body"]
                and detail[0]["msg"]
            ):
                failures.append((method, url, body, response.status_code, response.content[:120]))
    assert failures == []
    assert _snapshot() == before

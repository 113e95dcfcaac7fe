"""The audit log shows names rather than ids, and an address for every action.

Ids recorded in an entry's details (people, a department, sites, a space) are shown as names,
"Production (3 people)" with the names in a <details>, in two queries for the whole page; every
action done in a request records the client's address, also actions not handed the request
(spaces, feed, chat); the "When" column is short and does not wrap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.accounts.models import User
from cercle.audit import queries
from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from cercle.core.requests import current_request
from cercle.spaces import actions as space_actions
from tests.factories import make_admin, make_department, make_site, make_space, make_user

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


def client_for(user: User, **headers: str) -> Client:
    client = Client(headers={"Accept-Language": "en", **headers}, REMOTE_ADDR=ADDRESS)
    client.force_login(user)
    return client


def test_a_department_invitation_reads_as_names() -> None:
    admin = make_admin()
    production = make_department("Production")
    people = [
        make_user(first_name=f"Ana{n}", last_name="Prod", department=production) for n in range(3)
    ]
    space = make_space(owner=admin, name="Onboarding")
    log_event(
        actor=admin,
        action="spaces.invited",
        target=space,
        new={"user_ids": [p.pk for p in people]},
        extra={"department_id": production.pk},
    )
    page = client_for(admin).get("/manage/audit/").content.decode()
    assert "Production (3 people)" in page
    assert '<details class="audit-list"><summary>Production (3 people)</summary>' in page
    for person in people:
        assert f"<li>{person.display_name}</li>" in page
    assert f"[{people[0].pk}" not in page
    assert "department:</span> Production" in page


def test_people_places_and_spaces_are_resolved_and_gone_ones_show_their_id() -> None:
    admin = make_admin()
    anne = make_user(first_name="Anne", last_name="Author")
    site = make_site("Lyon")
    space = make_space(owner=admin, name="Comms")
    entries = [
        log_event(
            actor=admin,
            action="feed.post_deleted",
            old={"body": "hi", "author_id": anne.pk, "space_id": space.pk},
        ),
        log_event(
            actor=admin, action="feed.announced", new={"sites": [site.pk], "departments": [999999]}
        ),
        log_event(actor=admin, action="chat.member_removed", old={"removed": 888888}),
        log_event(
            actor=admin,
            action="spaces.role_changed",
            old="member",
            new="admin",
            extra={"user_id": anne.pk},
        ),
    ]
    described = queries.describe_entries(admin, entries)
    assert described[0].changes == [
        ("body", queries.Shown("hi"), queries.Shown("—")),
        ("author", queries.Shown("Anne Author"), queries.Shown("—")),
        ("space", queries.Shown("Comms"), queries.Shown("—")),
    ]
    assert ("sites", queries.Shown("—"), queries.Shown("Lyon")) in described[1].changes
    assert ("departments", queries.Shown("—"), queries.Shown("#999999")) in described[1].changes
    assert described[2].changes == [("removed", queries.Shown("#888888"), queries.Shown("—"))]
    assert described[3].changes == [("", queries.Shown("member"), queries.Shown("admin"))]
    assert described[3].extra == [("person", queries.Shown("Anne Author"))]


def test_only_admins_get_the_details() -> None:
    with pytest.raises(PermissionDenied):
        queries.describe_entries(make_user(), [])


def test_the_page_resolves_names_in_a_constant_number_of_queries() -> None:
    admin = make_admin()
    client = client_for(admin)

    def add_entries(n: int) -> None:
        for _ in range(n):
            department = make_department()
            people = [make_user(department=department) for _ in range(2)]
            space = make_space(owner=admin)
            log_event(
                actor=admin,
                action="spaces.invited",
                target=space,
                new={"user_ids": [p.pk for p in people]},
                extra={"department_id": department.pk},
            )
            log_event(
                actor=admin,
                action="feed.post_deleted",
                old={"author_id": people[0].pk, "space_id": space.pk},
            )
            log_event(actor=admin, action="feed.announced", new={"sites": [make_site().pk]})

    add_entries(1)
    client.get("/manage/audit/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/manage/audit/").status_code == 200
    add_entries(8)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/manage/audit/")
    assert response.status_code == 200
    assert len(many) == len(few)
    names = [q["sql"] for q in many.captured_queries if "UNION" in q["sql"].upper()]
    assert len(names) == 1  # departments, sites and spaces in one query


def test_actions_not_handed_the_request_record_its_address() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    client = client_for(owner)
    response = client.post(f"/spaces/{space.slug}/archive/")
    assert response.status_code in (200, 302)
    entry = AuditEntry.objects.get(action="spaces.archived")
    assert entry.ip_address == ADDRESS
    # Outside a request there is none, and nothing is left over from the last one.
    assert current_request() is None
    space.refresh_from_db()
    space_actions.restore_space(actor=owner, space=space)
    assert AuditEntry.objects.get(action="spaces.restored").ip_address is None


def test_the_proxy_header_is_used_when_configured(settings: Any) -> None:
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    admin = make_admin()
    client = client_for(admin, **{"X-Forwarded-For": "192.0.2.7, 10.0.0.1"})
    client.post("/manage/messaging/", {})
    assert AuditEntry.objects.get(action="chat.settings_changed").ip_address == "192.0.2.7"


def test_the_when_column_is_short_and_does_not_wrap() -> None:
    admin = make_admin()
    log_event(actor=admin, action="spaces.archived")
    page = client_for(admin).get("/manage/audit/").content.decode()
    assert '<td class="audit-when"' in page
    css = (Path(__file__).parents[2] / "src/cercle/static/cercle/css/admin.css").read_text()
    assert ".audit-when { white-space: nowrap; }" in css

"""Administrators over the API: erasing a person (`POST /api/v1/people/{id}/erasure`) and the
retention status (`GET /api/v1/privacy/retention`). Only administrators (a 403 before anything is
looked up); bad input a 4xx that changes nothing; the erasure is the administration page's, with
its refusals (a wrong confirmation, a legal hold, an administrator, oneself, twice)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.accounts.actions.auth import create_api_token
from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.feed.models import Post
from cercle.privacy import actions
from tests.factories import make_admin, make_user
from tests.privacy.conftest import FIRST, seed_person

pytestmark = pytest.mark.django_db


def _api(user: Any) -> Client:
    _token, secret = create_api_token(user=user, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")


def _erase(api: Client, person_id: object, body: object) -> Any:
    return api.post(f"/api/v1/people/{person_id}/erasure", body, content_type="application/json")


def test_an_admin_erases_a_person_over_the_api(django_capture_on_commit_callbacks: Any) -> None:
    seeded = seed_person(posts=2, messages=1)
    person = seeded.person
    admin_api = _api(make_admin())
    person_api = _api(person)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _erase(
            admin_api, person.pk, {"confirm": person.username, "shared_content": "delete"}
        )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["person_id"], body["shared_content"], body["erased"]) == (
        person.pk,
        "delete",
        True,
    )
    person.refresh_from_db()
    assert body["username"] == person.username and FIRST not in person.first_name
    assert not person.is_active and person.email.endswith("@erased.invalid")
    assert not Post.objects.filter(author=person).exclude(body="").exists()
    assert AuditEntry.objects.filter(action="privacy.person_erased", target_id=str(person.pk))
    # Their own token ended with them.
    assert person_api.get("/api/v1/me/data-exports").status_code == 401
    # Twice: 409, nothing more logged.
    again = _erase(admin_api, person.pk, {"confirm": person.username})
    assert again.status_code == 409 and again.json()["detail"]
    assert AuditEntry.objects.filter(action="privacy.person_erased").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"confirm": "someone-else"},
        {"confirm": "x" * 151},
        {"confirm": "{username}", "shared_content": "burn"},
        {"confirm": 12},
        [],
    ],
)
def test_bad_input_is_a_4xx_and_erases_nothing(body: Any) -> None:
    person = make_user(username="camille", email="camille@example.org")
    if isinstance(body, dict) and body.get("confirm") == "{username}":
        body = {**body, "confirm": person.username}
    answer = _erase(_api(make_admin()), person.pk, body)
    assert 400 <= answer.status_code < 500, answer.content
    assert answer.json()["detail"]
    person.refresh_from_db()
    assert person.is_active and person.email == "camille@example.org"


def test_the_erasure_refusals_are_400s_with_their_reason() -> None:
    admin = make_admin(username="it")
    api = _api(admin)
    other_admin = make_admin(username="boss")
    held = make_user(username="held")
    actions.add_hold(actor=admin, reason="Contentieux", person=held)
    for person, reason in (
        (admin, "cannot erase yourself"),
        (other_admin, "Administrators cannot be erased"),
        (held, "legal hold"),
    ):
        answer = _erase(api, person.pk, {"confirm": person.username})
        assert answer.status_code == 400, answer.content
        assert reason in str(answer.json()["detail"])
        person.refresh_from_db()
        assert person.is_active
    assert _erase(api, 999_999, {"confirm": "nobody"}).status_code == 404


def test_only_admins_erase_and_see_retention() -> None:
    person = make_user(username="camille")
    member_api = _api(make_user())
    # Forbidden whether the person exists or not: nothing is told about who exists.
    assert _erase(member_api, person.pk, {"confirm": "camille"}).status_code == 403
    assert _erase(member_api, 999_999, {"confirm": "camille"}).status_code == 403
    assert member_api.get("/api/v1/privacy/retention").status_code == 403
    assert Client().get("/api/v1/privacy/retention").status_code == 401
    assert _erase(Client(), person.pk, {"confirm": "camille"}).status_code == 401
    assert User.objects.get(pk=person.pk).is_active


def test_retention_status_lists_policies_with_their_preview_holds_and_runs(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_admin()
    seed_person(posts=3, messages=0)
    Post.objects.update(created_at="2015-01-01T00:00:00Z")
    due = Post.objects.count()
    policy = actions.add_policy(actor=admin, target="feed.posts", days=365)
    hold = actions.add_hold(actor=admin, reason="Audit", person=make_user())
    api = _api(admin)
    status = api.get("/api/v1/privacy/retention")
    assert status.status_code == 200, status.content
    body = status.json()
    assert [(p["id"], p["target"], p["days"], p["due"]) for p in body["policies"]] == [
        (policy.pk, "feed.posts", 365, due)
    ]
    assert due > 0 and body["policies"][0]["label"]
    assert [(h["id"], h["reason"]) for h in body["holds"]] == [(hold.pk, "Audit")]
    assert body["runs"] == [] and isinstance(body["audit_log_days"], int)
    # After a run: the preview is empty and the run is listed with what it deleted.
    run = actions.run_retention(actor=admin)
    body = api.get("/api/v1/privacy/retention").json()
    assert body["policies"][0]["due"] == 0
    assert [(r["id"], r["deleted"]) for r in body["runs"]] == [(run.pk, {"feed.posts": due})]

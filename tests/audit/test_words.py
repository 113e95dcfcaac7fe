"""The audit log describes actions and targets in words (issue 17): "Logged in with a password",
not `method: ModelBackend`; "Profile of “name”", not `accounts.user #1`; a post's text as plain
text, not raw Markdown; the targets' names read in one query per kind, whatever the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cercle.audit import queries
from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from cercle.core.markdown import markdown_to_text
from cercle.feed.models import Post
from tests.factories import make_admin, make_department, make_site, make_space, make_user

pytestmark = pytest.mark.django_db


def _described(admin: Any) -> list[queries.EntryDetails]:
    entries = list(AuditEntry.objects.order_by("id"))
    return queries.describe_entries(admin, entries)


def test_a_login_reads_as_its_method_and_a_person_as_their_profile() -> None:
    admin = make_admin()
    anne = make_user(first_name="Anne", last_name="Leroy")
    log_event(actor=anne, action="auth.login", target=anne, extra={"method": "ModelBackend"})
    log_event(actor=None, action="auth.login_failed", extra={"login": "anne", "method": "mfa"})
    login, failed = _described(admin)
    assert login.action_label == "Logged in with a password"
    assert login.extra == []  # the method is in the label, not repeated
    assert login.target == "Profile of “Anne Leroy”"
    assert failed.action_label == "Failed login: wrong second-factor code"
    assert [(key, value.text) for key, value in failed.extra] == [("sign-in name", "anne")]
    with translation.override("fr"):
        login_fr = _described(admin)[0]
    assert login_fr.action_label == "Connexion par mot de passe"
    assert login_fr.target == "Profil de « Anne Leroy »"


def test_roles_and_bodies_read_in_words() -> None:
    admin = make_admin()
    person = make_user()
    log_event(
        actor=admin,
        action="accounts.role_changed",
        target=person,
        old={"role": "guest"},
        new={"role": "staff"},
    )
    log_event(
        actor=admin,
        action="feed.post_deleted",
        old={"body": "**Nouvelle mutuelle** au 1er janvier :\n\n- [détails](https://x.example)"},
    )
    role, deleted = _described(admin)
    assert [(f, o.text, n.text) for f, o, n in role.changes] == [
        ("role", "External guest", "Communication/HR team")
    ]
    [(_field, old, _new)] = deleted.changes
    assert old.text == "Nouvelle mutuelle au 1er janvier : détails"


def test_a_post_is_named_by_its_plain_text_even_once_deleted() -> None:
    admin = make_admin()
    space = make_space(name="Comité")
    post = Post.objects.create(author=admin, space=space, body="**Nouvelle mutuelle** enfin")
    log_event(actor=admin, action="feed.post_deleted", target=post)
    assert _described(admin)[0].target == "Post “Nouvelle mutuelle enfin”"
    post.delete()
    assert "**" not in _described(admin)[0].target


def test_targets_are_named_in_one_query_per_kind() -> None:
    admin = make_admin()

    def add(n: int) -> None:
        for i in range(n):
            person = make_user()
            log_event(actor=admin, action="accounts.profile_changed", target=person)
            log_event(
                actor=admin,
                action="accounts.department_created",
                target=make_department(f"D{n}{i}"),
            )
            log_event(actor=admin, action="accounts.site_created", target=make_site(f"S{n}{i}"))
            log_event(actor=admin, action="spaces.created", target=make_space(name=f"E{n}{i}"))

    add(1)
    queries.describe_entries(admin, list(AuditEntry.objects.all()))  # warm the caches
    first = list(AuditEntry.objects.all())
    with CaptureQueriesContext(connection) as few:
        queries.describe_entries(admin, first)
    add(8)
    entries = list(AuditEntry.objects.all())
    with CaptureQueriesContext(connection) as many:
        described = queries.describe_entries(admin, entries)
    # People (targets and members, one query each), departments, sites, spaces.
    assert len(many) == len(few) <= 5
    assert all(d.target and "#" not in d.target for d in described)


def test_markdown_to_text_makes_a_plain_excerpt() -> None:
    assert markdown_to_text("**Gras** et _italique_") == "Gras et italique"
    assert markdown_to_text("# Titre\n\nTexte `code` & plus") == "Titre Texte code & plus"
    long = markdown_to_text("mot " * 100, limit=30)
    assert len(long) <= 30 and long.endswith("…")

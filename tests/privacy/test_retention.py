"""Retention: the run deletes exactly what the preview said, never what a hold covers, and is
audited; the audit log's own retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cercle.audit.models import AuditEntry
from cercle.chat.models import Message
from cercle.feed.models import Post
from cercle.privacy import actions
from cercle.privacy.models import LegalHold, RetentionPolicy, RetentionRun
from cercle.spaces.models import Space
from tests.factories import make_admin, make_direct, make_message, make_post, make_space, make_user

pytestmark = pytest.mark.django_db

YEAR = dt.timedelta(days=365)


def _age(model: Any, pks: list[int], by: dt.timedelta) -> None:
    model.objects.filter(pk__in=pks).update(created_at=timezone.now() - by)


def test_the_run_deletes_exactly_what_the_preview_said(
    django_capture_on_commit_callbacks: Any,
    storages: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(actions, "RETENTION_BATCH", 2)  # several batches per policy
    admin = make_admin()
    anne, bruno, held_person = make_user(), make_user(), make_user()
    # Chat: old messages go after 2 years, except a held person's conversations.
    direct = make_direct(anne, bruno)
    old = [make_message(anne, direct, f"vieux {n}").pk for n in range(3)]
    recent = make_message(bruno, direct, "récent").pk
    held_direct = make_direct(anne, held_person)
    held_message = make_message(anne, held_direct, "sous conservation").pk
    _age(Message, [*old, held_message], 3 * YEAR)
    # Posts of archived spaces go after 5 years, except in a held space.
    archived = make_space(owner=anne, name="Ancien projet")
    held_space = make_space(owner=anne, name="Dossier litige")
    live = make_space(owner=anne, name="Projet actif")
    old_archived = [make_post(author=anne, space=archived, body=f"bilan {n}").pk for n in range(2)]
    old_held = make_post(author=anne, space=held_space, body="pièce du dossier").pk
    old_live = make_post(author=anne, space=live, body="toujours utile").pk
    _age(Post, [*old_archived, old_held, old_live], 6 * YEAR)
    Space.objects.filter(pk__in=[archived.pk, held_space.pk]).update(archived_at=timezone.now())

    actions.add_policy(actor=admin, target="chat.messages", days=730)
    actions.add_policy(actor=admin, target="feed.posts", days=5 * 365, archived_spaces_only=True)
    actions.add_hold(actor=admin, reason="Contentieux", space=held_space)
    actions.add_hold(actor=admin, reason="Enquête interne", person=held_person)

    client = Client()
    client.force_login(admin)
    page = client.get(reverse("privacy_admin")).content.decode()
    assert "vieux 0" in page and "bilan 0" in page and "pièce du dossier" not in page
    assert "3 éléments" in page and "2 éléments" in page
    plans = actions.retention_plan(with_ids=True)
    assert {item.policy.target: set(item.ids) for item in plans} == {
        "chat.messages": set(old),
        "feed.posts": set(old_archived),
    }
    assert {item.policy.target: item.count for item in plans} == {
        "chat.messages": 3,
        "feed.posts": 2,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy_admin"), {"what": "run"})
    assert response.status_code == 302
    remaining_messages = set(Message.objects.values_list("pk", flat=True))
    remaining_posts = set(Post.objects.values_list("pk", flat=True))
    assert remaining_messages == {recent, held_message}
    assert remaining_posts == {old_held, old_live}
    run = RetentionRun.objects.get()
    assert run.deleted == {"chat.messages": 3, "feed.posts": 2}
    entry = AuditEntry.objects.get(action="privacy.retention_run")
    assert entry.actor == admin and entry.extra["deleted"] == run.deleted
    # The next run has nothing left to do.
    assert all(item.count == 0 for item in actions.retention_plan())


def test_policies_and_holds_refuse_bad_input() -> None:
    admin = make_admin()
    member = make_user()
    with pytest.raises(ValidationError):
        actions.add_policy(actor=admin, target="nothing.like.this", days=10)
    with pytest.raises(ValidationError):
        actions.add_policy(actor=admin, target="chat.messages", days=0)
    with pytest.raises(ValidationError):
        actions.add_hold(actor=admin, reason="  ", person=member)
    with pytest.raises(ValidationError):
        actions.add_hold(actor=admin, reason="x")
    assert not RetentionPolicy.objects.exists() and not LegalHold.objects.exists()
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("privacy_admin"), {"what": "policy", "target": "chat.messages", "days": "-3"}
    )
    assert response.status_code == 200 and not RetentionPolicy.objects.exists()
    response = client.post(
        reverse("privacy_admin"), {"what": "hold", "person": "nobody-here", "reason": "x"}
    )
    assert response.status_code == 200 and not LegalHold.objects.exists()
    response = client.post(
        reverse("privacy_admin"),
        {"what": "hold", "person": member.username, "reason": "Enquête"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get(person=member)
    client.post(reverse("privacy_admin"), {"what": "remove_hold", "id": str(hold.pk)})
    assert not LegalHold.objects.exists()
    assert client.post(reverse("privacy_admin"), {"what": "remove_hold", "id": "x"}).status_code
    # Members never reach it.
    other = Client()
    other.force_login(member)
    assert other.get(reverse("privacy_admin")).status_code == 403


def test_the_audit_log_has_its_own_retention(settings: Any) -> None:
    settings.AUDIT_RETENTION_DAYS = 365
    admin = make_admin()
    actions.add_hold(actor=admin, reason="Enquête", person=make_user())
    AuditEntry.objects.update(created_at=timezone.now() - 2 * YEAR)
    recent = actions.add_policy(actor=admin, target="feed.posts", days=30)
    run = actions.run_retention()
    assert run.audit_entries_deleted == 1
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "privacy.policy_added",
        "privacy.retention_run",
    }
    assert recent.pk
    settings.AUDIT_RETENTION_DAYS = 0  # kept forever
    AuditEntry.objects.update(created_at=timezone.now() - 20 * YEAR)
    assert actions.run_retention().audit_entries_deleted == 0

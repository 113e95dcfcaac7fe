"""`seed_demo`'s month of activity (issue 17): spaces of each kind, posts, comments, reactions,
announcements with confirmations, conversations; idempotent, dated over the past month, written
through the actions, and counted as the README says."""

from __future__ import annotations

import datetime
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cercle.accounts.models import User
from cercle.agenda.models import Event, Invitation
from cercle.announcements.models import Announcement, AnnouncementReceipt
from cercle.audit.models import AuditEntry
from cercle.chat.models import Conversation, Message
from cercle.core.demo import backdated, demo_time
from cercle.documents.models import Document, Folder, Library, Version
from cercle.feed.models import Comment, Post, Reaction
from cercle.news.models import Article, ArticleRead
from cercle.notifications.models import Notification
from cercle.pages.models import Page, PageRevision
from cercle.spaces.models import JoinRequest, Membership, Space, SpaceInvitation

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def documents_storage(settings: Any, tmp_path: Path) -> Path:
    """The demo's documents in a directory of the test's own."""
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/no-url/"},
        },
    }
    return root


README = Path(settings.BASE_DIR) / "README.md"


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    demo_spaces = Space.objects.filter(is_organisation=False)
    return {
        "people": User.objects.count(),
        "spaces": demo_spaces.count(),
        "space kinds": len(set(demo_spaces.values_list("kind", flat=True))),
        "memberships": Membership.objects.filter(space__in=demo_spaces)
        .exclude(role="owner")
        .count(),
        "waiting": JoinRequest.objects.filter(status="pending").count()
        + SpaceInvitation.objects.filter(status="pending").count(),
        "posts": Post.objects.count() - Announcement.objects.count(),
        "announcements": Announcement.objects.count(),
        "comments": Comment.objects.count(),
        "reactions": Reaction.objects.count(),
        "confirmations": AnnouncementReceipt.objects.filter(acknowledged_at__isnull=False).count(),
        "conversations": Conversation.objects.exclude(kind="space").count(),
        "messages": Message.objects.count(),
        "events": Event.objects.count(),
        "event invitations": Invitation.objects.count(),
        "pages": Page.objects.count(),
        "page revisions": PageRevision.objects.count(),
        "libraries": Library.objects.count(),
        "folders": Folder.objects.filter(parent__isnull=False).count(),
        "documents": Document.objects.count(),
        "versions": Version.objects.count(),
        "news articles": Article.objects.count(),
        "news reads": ArticleRead.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def readme_counts() -> dict[str, int]:
    """The figures of the README's "The demo organisation"."""
    text = README.read_text(encoding="utf-8").split("## The demo organisation", 1)[1]
    text = " ".join(text.split())

    def number(pattern: str) -> int:
        found = re.search(pattern, text)
        assert found, pattern
        return int(found.group(1))

    return {
        "people": number(r"\*\*(\d+) people\*\*"),
        "spaces": number(r"\*\*(\d+) spaces\*\*"),
        "memberships": number(r"with (\d+) members who joined"),
        "waiting": number(r"and (\d+) requests or invitations still waiting"),
        "posts": number(r"\*\*(\d+) posts and"),
        "announcements": number(r"posts and (\d+) announcements\*\*"),
        "comments": number(r"with (\d+) comments"),
        "reactions": number(r"and (\d+) reactions"),
        "confirmations": number(r"\((\d+) confirmations\)"),
        "conversations": number(r"\*\*(\d+) conversations\*\*"),
        "messages": number(r"with (\d+) messages"),
        "events": number(r"\*\*(\d+) events\*\*"),
        "event invitations": number(r"in the agenda with (\d+) invitations"),
        "pages": number(r"\*\*(\d+) pages\*\*"),
        "page revisions": number(r"\((\d+) revisions\)"),
        "libraries": number(r"\*\*(\d+) document libraries\*\*"),
        "folders": number(r"with (\d+) folders"),
        "documents": number(r"folders and (\d+) files"),
        "versions": number(r"\((\d+) versions\)"),
        "news articles": number(r"\*\*(\d+) news articles\*\*"),
        "news reads": number(r"read (\d+) times"),
    }


def test_the_demo_month_is_what_the_readme_says_and_a_second_run_adds_nothing(
    client: Client,
) -> None:
    before = timezone.now()
    output = seed()
    assert "Its past month:" in output
    first = counts()
    documented = readme_counts()
    assert {key: first[key] for key in documented} == documented
    assert first["space kinds"] == 4  # open, request, private, secret
    assert first["notifications"] > 50

    # Dated over the past month, in order, on working days.
    dates = list(Post.objects.order_by("pk").values_list("created_at", flat=True))
    assert dates == sorted(dates)
    assert min(dates) >= before - datetime.timedelta(days=35)
    assert max(dates) <= timezone.now()
    assert max(dates) - min(dates) > datetime.timedelta(days=20)
    # Counters the actions maintain match the rows, bulk-written reactions included.
    for post in Post.objects.annotate(n=Count("comments")):
        assert post.comment_count == post.n
        kinds = dict(
            Reaction.objects.filter(post=post, comment=None)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        assert post.reaction_counts == kinds
    # Audit entries are dated with what they record.
    first_post = Post.objects.order_by("created_at").first()
    assert first_post is not None
    entry = AuditEntry.objects.filter(action="spaces.created").order_by("pk").first()
    assert entry is not None and entry.created_at < first_post.created_at
    # Old notifications were read and none waits to be mailed.
    old = timezone.now() - datetime.timedelta(days=4)
    assert not Notification.objects.filter(updated_at__lt=old, read_at__isnull=True).exists()
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()

    output = seed()
    assert "Its past month" not in output
    assert counts() == first
    # The older command still answers, and adds nothing either.
    out = StringIO()
    call_command("seed_feed", "--demo", stdout=out)
    assert "already there" in out.getvalue()
    assert counts() == first

    # People see their month: a production operator, the targeted announcement too.
    client.login(username="fatima.bouzid", password="cercle-demo")
    home = client.get(reverse("home")).content.decode()
    assert "Nouvelle mutuelle" in home
    assert "visites médicales" in home
    client.logout()
    assert Membership.objects.filter(user__username="julien.morel").count() == 1  # a guest
    assert Space.objects.get(slug="negociation-annuelle-2027").kind == "secret"


def test_with_scale_only_people_are_added() -> None:
    seed("--scale", "20")
    assert User.objects.filter(username__startswith="scale-").count() == 20
    assert Post.objects.count() == 0
    assert Conversation.objects.exclude(kind="space").count() == 0


def test_demo_time_keeps_to_working_days_before_now() -> None:
    now = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)  # a Monday, 9:00 in Paris
    saturday = demo_time(now, 2, 10, 0)
    assert saturday.weekday() == 4  # moved to Friday
    assert demo_time(now, 0, 17, 0) < now
    with backdated(saturday):
        assert timezone.now() == saturday
    assert timezone.now() != saturday
    with pytest.raises(ValueError), backdated(datetime.datetime(2026, 1, 1)):
        pass

"""Erasing a person: nothing of them left in any text column but the audit log, no file left on
disk that nothing names, their sessions closed; shared content kept anonymised or deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from cercle.accounts.models import Profile, User
from cercle.administration.models import ImportJob
from cercle.audit.models import AuditEntry
from cercle.chat.models import Attachment as ChatAttachment
from cercle.chat.models import Message
from cercle.core.personal_data import ErasureRule, replace_mentions
from cercle.documents.models import Blob, Document, Share
from cercle.feed.models import Attachment as PostAttachment
from cercle.feed.models import Comment, Post
from cercle.pages.models import Page
from cercle.privacy import actions
from cercle.privacy.models import DataExport, LegalHold
from tests.factories import make_admin, make_user
from tests.helpers.files import image_bytes
from tests.privacy.conftest import EMAIL, FIRST, LAST, USERNAME, files_under, seed_person

pytestmark = pytest.mark.django_db

TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "BinaryField"}


def tables_mentioning(needles: list[str]) -> dict[str, list[str]]:
    """Every table and text column holding one of `needles` (case aside), across the database."""
    found: dict[str, list[str]] = {}
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.get_table_list(cursor):
            if table.type != "t" or table.name == AuditEntry._meta.db_table:
                continue
            description = introspection.get_table_description(cursor, table.name)
            for column in description:
                try:
                    kind = introspection.get_field_type(column.type_code, column)
                except KeyError:
                    kind = "TextField"  # a type Django does not map: read it as text
                if kind not in TEXT_TYPES:
                    continue
                quoted_table = connection.ops.quote_name(table.name)
                quoted = connection.ops.quote_name(column.name)
                for needle in needles:
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {quoted_table} "  # noqa: S608 (names from introspection)
                        f"WHERE LOWER(CAST({quoted} AS TEXT)) LIKE %s",
                        [f"%{needle.lower()}%"],
                    )
                    if cursor.fetchone()[0]:
                        found.setdefault(f"{table.name}.{column.name}", []).append(needle)
    return found


def _directory_index_bytes() -> bytes:
    """The raw pages of the directory's full-text index on SQLite (its words, in binary)."""
    if connection.vendor != "sqlite":
        return b""
    with connection.cursor() as cursor:
        cursor.execute("SELECT block FROM accounts_profile_fts_data")
        return b"".join(bytes(row[0]) for row in cursor.fetchall() if row[0])


def referenced_files() -> dict[str, set[str]]:
    return {
        "media": {
            *PostAttachment.objects.values_list("file", flat=True),
            *ChatAttachment.objects.values_list("file", flat=True),
            *(name for name in Profile.objects.values_list("photo", flat=True) if name),
        },
        "documents": set(Blob.objects.values_list("key", flat=True)),
        "privacy": set(
            DataExport.objects.exclude(file_name="").values_list("file_name", flat=True)
        ),
    }


def _with_photo(person: User) -> None:
    person.profile.photo.save("portrait.png", ContentFile(image_bytes()), save=True)


@pytest.mark.parametrize("shared_content", ["anonymise", "delete"])
def test_erasure_leaves_nothing_of_the_person(
    shared_content: str, django_capture_on_commit_callbacks: Any, storages: dict[str, Path]
) -> None:
    seeded = seed_person()
    person, colleague = seeded.person, seeded.colleague
    admin = make_admin()
    _with_photo(person)
    assert files_under(storages["media"]) >= {person.profile.photo.name}
    export = DataExport.objects.create(person=person)
    actions.build_export(export_id=export.pk)
    # An import's report quoting the address, and Django's admin log naming the person.
    ImportJob.objects.create(
        created_by=admin,
        report={"errors": [{"row": 3, "field": "email", "message": f"{EMAIL} déjà pris"}]},
    )
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
    )
    needles = [FIRST, LAST, USERNAME, EMAIL, "zephy.q"]
    before = tables_mentioning(needles)
    assert "accounts_user.username" in before and "accounts_profile.search_text" in before
    assert "administration_importjob.report" in before and "django_admin_log.object_repr" in before
    assert "feed_post.body" in before and "chat_message.body_html" in before  # others' mentions
    if connection.vendor == "sqlite":
        assert LAST.lower().encode() in _directory_index_bytes()  # the check below can fail

    browser = Client()
    browser.force_login(person)
    assert browser.get(reverse("privacy_my_data")).status_code == 200
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get(reverse("privacy_erase", args=[person.pk])).content.decode()
    assert "journal d'audit" in page  # the page says the audit log is kept
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("privacy_erase", args=[person.pk]),
            {"shared_content": shared_content, "confirm": USERNAME},
        )
    assert response.status_code == 302

    assert tables_mentioning(needles) == {}
    assert LAST.lower().encode() not in _directory_index_bytes()
    # The audit log is kept, and it says who was erased, by whom, with which rule.
    entry = AuditEntry.objects.get(action="privacy.person_erased")
    assert entry.actor == admin and entry.extra["shared_content"] == shared_content
    assert AuditEntry.objects.filter(action="privacy.export_requested").count() == 0  # none asked
    # No file on disk that no row names, and the person's files are gone.
    for storage, names in referenced_files().items():
        assert files_under(storages[storage]) == names, storage
    assert not files_under(storages["privacy"])
    # Their sessions are closed.
    assert browser.get(reverse("privacy_my_data")).status_code == 302

    erased = User.objects.get(pk=person.pk)
    assert erased.display_name == "Ancien·ne collègue" and not erased.is_active
    assert not erased.has_usable_password()
    kept_posts = Post.objects.filter(author=erased)
    # Their upload into a space made an activity post ("added a file to…"): kept, anonymised, or
    # deleted with the rest; it has no text of its own.
    kept_posts_with_text = kept_posts.filter(activity_kind="")
    if shared_content == "anonymise":
        assert sorted(kept_posts_with_text.values_list("body", flat=True)) == sorted(
            seeded.post_bodies
        )
        assert Comment.objects.filter(author=erased).count() == 3
        assert (
            list(
                Message.objects.filter(sender=erased).values_list("body", flat=True).order_by("id")
            )
            == seeded.message_bodies
        )
        assert Document.objects.filter(name="budget.txt").exists()
        assert Page.objects.filter(title=seeded.page_title).exists()
    else:
        assert not kept_posts.exists() and not Comment.objects.filter(author=erased).exists()
        assert set(Message.objects.filter(sender=erased).values_list("body", flat=True)) == {""}
        assert not Document.objects.filter(name="budget.txt").exists()
        assert not Page.objects.filter(title=seeded.page_title).exists()
    # Their own wall and "My documents" go whatever the rule.
    assert not Post.objects.filter(body="Sur mon propre mur").exists()
    assert not Document.objects.filter(name="notes.txt").exists()
    # What they shared went with "My documents"; what was shared with them is unshared.
    assert not Share.objects.filter(user=erased).exists()
    assert not Share.objects.filter(library__owner=erased).exists()
    assert Document.objects.filter(name="plan.txt").exists()  # the colleague's file stays
    # Others' mentions of them now name the anonymised account, and link nowhere.
    thanks = Post.objects.get(author=colleague)
    assert thanks.body == f"Merci @former-{person.pk} pour le plan !"
    assert "<a" not in thanks.body_html and f"@former-{person.pk}" in thanks.body_html
    assert Comment.objects.get(author=colleague).body == f"Bravo @former-{person.pk}."
    # Counters follow what went: the person's reaction on it, their comments under it.
    assert thanks.reaction_counts == {}
    assert thanks.comment_count == Comment.objects.filter(post=thanks).count()
    # The colleague's things are untouched.
    assert User.objects.get(pk=colleague.pk).is_active


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Merci @anne !", "Merci @former-9 !"),
        ("@Anne. Et toi ?", "@former-9. Et toi ?"),
        ("(@anne)", "(@former-9)"),
        ("@anne.marie @anne2 anne@anne.fr @anne-x", "@anne.marie @anne2 anne@anne.fr @anne-x"),
    ],
)
def test_mentions_are_rewritten_only_where_they_name_the_person(text: str, expected: str) -> None:
    assert replace_mentions(text, "anne", "former-9") == expected


def test_erasure_is_refused_cleanly() -> None:
    admin = make_admin()
    member = make_user()
    with pytest.raises(ValidationError):
        actions.erase_person(actor=admin, person=admin)
    with pytest.raises(ValidationError):
        actions.erase_person(actor=admin, person=make_admin())
    hold = LegalHold.objects.create(person=member, reason="Contentieux prud'homal")
    with pytest.raises(ValidationError):
        actions.erase_person(actor=admin, person=member, rule=ErasureRule())
    hold.delete()
    client = Client()
    client.force_login(member)
    other = make_user()
    assert client.get(reverse("privacy_erase", args=[other.pk])).status_code == 403
    admin_client = Client()
    admin_client.force_login(admin)
    # A wrong confirmation erases nothing.
    response = admin_client.post(
        reverse("privacy_erase", args=[other.pk]),
        {"shared_content": "delete", "confirm": "someone-else"},
    )
    assert response.status_code == 200
    assert User.objects.get(pk=other.pk).username == other.username
    assert admin_client.get(reverse("privacy_erase", args=[10**6])).status_code == 404

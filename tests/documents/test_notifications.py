"""A new version of a file I uploaded reaches me (not the one who sent it, nor someone who may no
longer read the file), grouped per file, with a link to the file."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation

from cercle.documents import actions
from cercle.documents.notifications import NEW_VERSION
from cercle.notifications import registry
from cercle.notifications.models import Notification
from cercle.notifications.queries import describe
from cercle.spaces.models import Membership
from tests.factories import make_space, make_user
from tests.helpers.documents import add_file, root_for

pytestmark = pytest.mark.django_db


def test_uploaders_hear_of_a_new_version() -> None:
    author, second, third = make_user(), make_user(), make_user()
    space = make_space(owner=author, members=(second, third))
    document = add_file(author, root_for(space), "plan.txt", b"v1\n")
    actions.add_version(actor=second, document=document, upload=io.BytesIO(b"v2\n"))
    [told] = Notification.objects.filter(kind=NEW_VERSION)
    assert told.recipient == author and told.actor == second
    kind = registry.kind(NEW_VERSION)
    assert kind is not None
    assert kind.link(told) == reverse("documents_file", args=[document.pk])
    with translation.override("en"):
        assert kind.describe(told) == (
            f"{second.display_name} uploaded a new version of a file you uploaded"
        )
        assert describe(told).endswith("you uploaded “plan.txt”")  # the file named
    # The third member's version reaches both uploaders, grouped for the author.
    actions.upload_file(
        actor=third, folder=document.folder, upload=io.BytesIO(b"v3\n"), name="plan.txt"
    )
    assert Notification.objects.filter(kind=NEW_VERSION, recipient=author).count() == 1
    assert Notification.objects.get(kind=NEW_VERSION, recipient=author).actor_count == 2
    assert Notification.objects.filter(kind=NEW_VERSION, recipient=second).count() == 1
    assert not Notification.objects.filter(kind=NEW_VERSION, recipient=third).exists()


def test_no_notification_for_ones_own_version_nor_to_someone_who_left() -> None:
    author, member = make_user(), make_user()
    space = make_space(owner=make_user(), members=(author, member), kind="private")
    document = add_file(author, root_for(space), "a.txt", b"1\n")
    actions.add_version(actor=author, document=document, upload=io.BytesIO(b"2\n"))
    assert not Notification.objects.filter(kind=NEW_VERSION).exists()
    Membership.objects.filter(space=space, user=author).delete()
    actions.restore_version(actor=member, document=document, number=1)
    assert not Notification.objects.filter(kind=NEW_VERSION).exists()

"""Announcements: who may make them, targeting (everyone, departments, sites), dismissing,
"read and understood" with the author's report, reminders and CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cercle.announcements import actions as announcement_actions
from cercle.announcements import queries as announcement_queries
from cercle.notifications.models import Notification
from cercle.spaces import queries as space_queries
from tests.factories import (
    add_member,
    make_department,
    make_guest,
    make_post,
    make_site,
    make_space,
    make_user,
)

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def org_post(body: str = "Nouvelle mutuelle") -> tuple[Any, Any]:
    staff = make_user(role="staff", first_name="Com", last_name="Team")
    return staff, make_post(author=staff, space=space_queries.organisation_space(), body=body)


def test_who_may_announce() -> None:
    staff, post = org_post()
    with pytest.raises(PermissionDenied):
        announcement_actions.announce(actor=make_user(), post=post)
    announcement_actions.announce(actor=staff, post=post)
    owner, member = make_user(), make_user()
    space = make_space(owner=owner, members=(member,))
    space_post = make_post(author=member, space=space)
    with pytest.raises(PermissionDenied):
        announcement_actions.announce(actor=member, post=space_post)
    announcement_actions.announce(actor=owner, post=space_post)
    wall_post = make_post(author=staff, body="On my wall")
    with pytest.raises(PermissionDenied):
        announcement_actions.announce(actor=staff, post=wall_post)


def test_targeting_and_dismissing() -> None:
    sales, lyon = make_department("Ventes"), make_site("Lyon")
    in_sales, in_lyon = make_user(department=sales), make_user(site=lyon)
    elsewhere, guest = make_user(), make_guest()
    staff, post = org_post()
    announcement = announcement_actions.announce(
        actor=staff, post=post, departments=[sales], sites=[lyon]
    )
    assert set(announcement_queries.announcement_audience(announcement)) == {in_sales, in_lyon}
    assert [a.pk for a in announcement_queries.active_announcements(in_sales)] == [announcement.pk]
    assert announcement_queries.active_announcements(elsewhere) == []
    assert announcement_queries.active_announcements(guest) == []
    announcement_actions.dismiss_announcement(actor=in_sales, announcement=announcement)
    assert announcement_queries.active_announcements(in_sales) == []
    everyone = announcement_actions.announce(actor=staff, post=org_post("Tous")[1])
    assert [a.pk for a in announcement_queries.active_announcements(elsewhere)] == [everyone.pk]
    assert guest not in set(announcement_queries.announcement_audience(everyone))


def test_private_space_announcements_reach_members_only() -> None:
    owner, member, outsider = make_user(), make_user(), make_user()
    space = make_space(owner=owner, kind="private", members=(member,))
    announcement = announcement_actions.announce(
        actor=owner, post=make_post(author=owner, space=space)
    )
    assert set(announcement_queries.announcement_audience(announcement)) == {owner, member}
    assert announcement_queries.active_announcements(outsider) == []


def test_acknowledgement_report_reminders_and_csv(
    django_capture_on_commit_callbacks: Any,
) -> None:
    dept = make_department("RH")
    anne = make_user(first_name="Anne", last_name="A", department=dept)
    bob = make_user(first_name="=cmd", last_name="B", department=dept)
    staff, post = org_post()
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcement_actions.announce(
            actor=staff, post=post, departments=[dept], requires_ack=True
        )
    # Everyone targeted is asked (in the app; by mail later if unread).
    assert set(
        Notification.objects.filter(kind="announcement").values_list("recipient_id", flat=True)
    ) == {anne.pk, bob.pk}
    with pytest.raises(ValidationError):
        announcement_actions.dismiss_announcement(actor=anne, announcement=announcement)
    announcement_actions.acknowledge(actor=anne, announcement=announcement)
    assert announcement_queries.active_announcements(anne) == []
    assert [a.pk for a in announcement_queries.active_announcements(bob)] == [announcement.pk]
    with pytest.raises(PermissionDenied):
        announcement_actions.acknowledge(actor=make_user(), announcement=announcement)
    rows = {
        r.user.pk: r.acknowledged_at for r in announcement_queries.acknowledgements(announcement)
    }
    assert rows[anne.pk] is not None and rows[bob.pk] is None

    Notification.objects.all().delete()
    with pytest.raises(PermissionDenied):
        announcement_actions.remind(actor=anne, announcement=announcement)
    with django_capture_on_commit_callbacks(execute=True):
        announcement_actions.remind(actor=staff, announcement=announcement)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [bob.pk]

    client = client_for(staff)
    report = client.get(f"/announcements/{announcement.pk}/").content.decode()
    assert "1 person has confirmed, 1 has not yet." in report
    exported = client.get(f"/announcements/{announcement.pk}/acknowledgements.csv")
    assert exported["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert lines[0][-1].startswith("Read and understood (")
    names = {line[0]: line[-1] for line in lines[1:]}
    assert names["Anne A"] != "" and names["'=cmd B"] == ""  # formula neutralised
    assert client_for(bob).get(f"/announcements/{announcement.pk}/").status_code == 403


def test_home_shows_the_announcement_until_confirmed() -> None:
    member = make_user()
    staff, post = org_post("Exercice incendie jeudi")
    announcement = announcement_actions.announce(actor=staff, post=post, requires_ack=True)
    client = client_for(member)
    assert "Exercice incendie jeudi" in client.get("/").content.decode()
    client.post(f"/announcements/{announcement.pk}/receipt/", {"ack": "1"})
    home = client.get("/").content.decode()
    assert 'class="card announcement"' not in home
    # A member of another space sees nothing of an announcement in a private space.
    owner = make_user()
    private = make_space(owner=owner, kind="private")
    add_member(private, make_user())
    hidden = announcement_actions.announce(actor=owner, post=make_post(author=owner, space=private))
    assert client.post(f"/announcements/{hidden.pk}/receipt/").status_code == 404

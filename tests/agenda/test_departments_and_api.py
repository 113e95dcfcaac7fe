"""Inviting a department (expanded to its people at invite time: the form, the action, the API),
and the API for un-inviting someone and for one's reminders of an event."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from cercle.agenda import actions, reminders
from cercle.agenda.models import Event, EventReminder, Invitation
from cercle.audit.models import AuditEntry
from cercle.notifications.models import Notification
from tests.factories import make_department, make_event, make_guest, make_user
from tests.helpers.api import ODD_IDS, api, call

pytestmark = pytest.mark.django_db


def _invited(event: Event) -> set[int]:
    return set(Invitation.objects.filter(event=event).values_list("person_id", flat=True))


def test_a_department_is_its_people_at_invite_time(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    sales = make_department("Ventes")
    organiser = make_user(department=sales)
    anne = make_user(department=sales, email="anne@example.org")
    bob = make_user(department=sales, email="bob@example.org")
    left = make_user(department=sales)
    left.is_active = False
    left.save()
    elsewhere = make_user(department=make_department())
    event = make_event(organiser=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        created = actions.invite(actor=organiser, event=event, departments=[sales])
    # The organiser and a deactivated person are left out; another department too.
    assert {i.person_id for i in created} == {anne.pk, bob.pk}
    assert elsewhere.pk not in _invited(event)
    # The same path as people: notified once each, mailed the invitation.
    assert Notification.objects.filter(kind="event_invitation").count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["anne@example.org", "bob@example.org"]
    entry = AuditEntry.objects.get(action="agenda.people_invited")
    assert entry.extra == {"spaces": [], "departments": [sales.pk]}
    # Who joins later is not invited; inviting again adds only them, once.
    later = make_user(department=sales)
    assert _invited(event) == {anne.pk, bob.pk}
    again = actions.invite(actor=organiser, event=event, departments=[sales])
    assert [i.person_id for i in again] == [later.pk]
    assert Notification.objects.filter(kind="event_invitation", recipient=anne).count() == 1


def test_guests_and_those_who_may_not_change_the_event_cannot_invite_a_department() -> None:
    sales = make_department()
    make_user(department=sales)
    guest = make_guest()
    event = make_event(organiser=guest)
    with pytest.raises(PermissionDenied):
        actions.invite(actor=guest, event=event, departments=[sales])
    other = make_event(organiser=make_user())
    with pytest.raises(PermissionDenied):
        actions.invite(actor=make_user(), event=other, departments=[sales])
    assert not Invitation.objects.exists()


def test_the_new_event_form_invites_a_department() -> None:
    sales = make_department("Ventes")
    organiser, anne = make_user(), make_user(department=sales)
    client = api(organiser)
    page = client.get("/agenda/new/").content.decode()
    assert 'name="invite_department"' in page and "Ventes" in page
    calendar = actions.personal_calendar(organiser)
    form = {
        "calendar": calendar.pk,
        "title": "Point ventes",
        "start_date": "2026-03-02",
        "start_time": "09:00",
        "end_date": "2026-03-02",
        "end_time": "10:00",
        "time_zone": "Europe/Paris",
        "visibility": "public",
    }
    refused = client.post("/agenda/new/", {**form, "invite_department": "999999"})
    assert refused.status_code == 400 and not Event.objects.exists()
    response = client.post("/agenda/new/", {**form, "invite_department": sales.pk})
    assert response.status_code == 302, response.content
    assert _invited(Event.objects.get()) == {anne.pk}
    # A guest is not offered departments.
    assert 'name="invite_department"' not in api(make_guest()).get("/agenda/new/").content.decode()


def test_the_api_invites_a_department_and_refuses_bad_ones() -> None:
    sales = make_department()
    organiser, anne = make_user(), make_user(department=sales)
    event = make_event(organiser=organiser)
    url = f"/api/v1/events/{event.pk}/invitations"
    client = api(organiser)
    missing = call(client, "post", url, {"department_ids": [sales.pk, 999999]})
    assert missing.status_code == 404 and "detail" in missing.json()
    assert call(client, "post", url, {"department_ids": ["abc"]}).status_code == 422
    assert call(client, "post", url, {"department_ids": [2**63]}).status_code == 422
    assert not Invitation.objects.exists()
    guest = make_guest()
    own = make_event(organiser=guest)
    refused = call(
        api(guest), "post", f"/api/v1/events/{own.pk}/invitations", {"department_ids": [sales.pk]}
    )
    assert refused.status_code == 403
    done = call(client, "post", url, {"department_ids": [sales.pk]})
    assert done.status_code == 200
    assert [i["person"]["id"] for i in done.json()] == [anne.pk]


def test_the_api_uninvites_someone(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    organiser, anne = make_user(), make_user(email="anne@example.org")
    bob = make_user()
    event = make_event(organiser=organiser)
    actions.invite(actor=organiser, event=event, people=[anne, bob])
    url = f"/api/v1/events/{event.pk}/invitations/{anne.pk}"
    # Someone invited may not un-invite others; a stranger does not see the event.
    assert api(bob).delete(url).status_code == 403
    assert api(make_user()).delete(url).status_code in (403, 404)
    assert _invited(event) == {anne.pk, bob.pk}
    with django_capture_on_commit_callbacks(execute=True):
        assert api(organiser).delete(url).status_code == 204
    assert _invited(event) == {bob.pk}
    (cancel,) = mailoutbox
    assert cancel.to == ["anne@example.org"] and cancel.subject.startswith("[Cercle] Annulé")
    assert AuditEntry.objects.filter(action="agenda.person_uninvited").count() == 1
    # Not invited (any more), or no such person: a 404, nothing changed.
    again = api(organiser).delete(url)
    assert again.status_code == 404 and "detail" in again.json()
    for odd in ODD_IDS:
        response = api(organiser).delete(f"/api/v1/events/{event.pk}/invitations/{odd}")
        assert response.status_code in (404, 422), odd
    assert _invited(event) == {bob.pk}


def test_the_api_lists_sets_and_forgets_my_reminders_of_an_event() -> None:
    organiser, anne, stranger = make_user(), make_user(), make_user()
    event = make_event(organiser=organiser)
    actions.invite(actor=organiser, event=event, people=[anne])
    reminders.set_default_reminders(actor=anne, minutes=[30])
    url = f"/api/v1/events/{event.pk}/reminders"
    client = api(anne)
    assert client.get(url).json() == {"minutes": [30], "uses_default": True}
    response = call(client, "put", url, {"minutes": [60, 10, 10]})
    assert response.status_code == 200
    assert response.json() == {"minutes": [10, 60], "uses_default": False}
    assert client.get(url).json() == {"minutes": [10, 60], "uses_default": False}
    assert call(client, "put", url, {"minutes": []}).json() == {
        "minutes": [],
        "uses_default": False,
    }
    # Bad input: a 4xx, nothing changed.
    for payload in (
        {"minutes": [7]},
        {"minutes": [0, 5, 10, 15, 30, 60]},
        {"minutes": [2**70]},
        {"minutes": ["soon"]},
        {},
    ):
        bad = call(client, "put", url, payload)
        assert 400 <= bad.status_code < 500, payload
        assert "detail" in bad.json()
    assert EventReminder.objects.get(person=anne, event=event).minutes == []
    forgotten = client.delete(url)
    assert forgotten.status_code == 200
    assert forgotten.json() == {"minutes": [30], "uses_default": True}
    assert not EventReminder.objects.filter(person=anne).exists()
    # The organiser has reminders; a stranger (or someone who declined) does not.
    assert api(organiser).get(url).json()["uses_default"] is True
    assert api(stranger).get(url).status_code == 403
    assert call(api(stranger), "put", url, {"minutes": [10]}).status_code == 403
    actions.respond(actor=anne, event=event, answer="no")
    assert client.get(url).status_code == 403
    assert not EventReminder.objects.filter(person=stranger).exists()

"""A page's owner and "review by" date: who changes them, bad input changing nothing, reviewing
(button and new revision), the daily reminder (once per date, never for a deleted page), and the
report of pages to review (who sees what, sorting, a fixed number of queries)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.notifications.email import send_if_still_unread
from cercle.notifications.models import Notification, Preference
from cercle.pages import actions, queries
from cercle.pages.models import Page
from cercle.pages.notifications import PAGE_REVIEW
from cercle.spaces.models import Space
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_admin, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 31)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def review(space: Space, *, owner: str = "", by: str = "", every: str = "") -> actions.Review:
    return actions.check_review(space=space, owner=owner, review_by=by, interval=every, today=TODAY)


def past(page: Page, days: int = 3, owner: User | None = None) -> Page:
    """Put the page's date in the past (the form refuses past dates: a date that came)."""
    fields: dict[str, object] = {"review_by": timezone.localdate() - datetime.timedelta(days=days)}
    if owner is not None:
        fields["owner"] = owner
    Page.objects.filter(pk=page.pk).update(**fields)
    page.refresh_from_db()
    return page


@pytest.fixture
def anne() -> User:
    return make_user(username="anne")


@pytest.fixture
def space(anne: User) -> Space:
    return make_space(owner=anne, kind="private")


def test_months_are_added_to_the_last_day_when_shorter() -> None:
    assert actions.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert actions.add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)
    assert actions.add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)


def test_the_creator_owns_the_page_and_a_writer_changes_owner_and_date(
    anne: User, space: Space
) -> None:
    bob = make_user(username="bob")
    add_member(space, bob)
    page = actions.create_page(actor=anne, space=space, title="Charte")
    assert page.owner == anne and page.review_by is None
    chosen = review(space, owner="BOB", by="2026-06-30", every="6")
    assert chosen == actions.Review(owner=bob, review_by=datetime.date(2026, 6, 30), interval=6)
    page = actions.set_review(actor=bob, page=page, review=chosen)
    assert (page.owner, page.review_by, page.review_interval) == (bob, chosen.review_by, 6)
    entry = AuditEntry.objects.get(action="pages.review_set")
    assert entry.old_value["owner"] == anne.pk and entry.new_value == {
        "owner": bob.pk,
        "review_by": "2026-06-30",
        "review_interval": 6,
    }
    actions.set_review(actor=bob, page=page, review=chosen)  # no change: no entry
    assert AuditEntry.objects.filter(action="pages.review_set").count() == 1


def test_only_writers_change_the_owner(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte")
    for outsider in (make_user(), make_guest(), make_admin(is_active=False)):
        with pytest.raises(PermissionDenied):
            actions.set_review(actor=outsider, page=page, review=review(space, owner="anne"))
    intranet = organisation_space()
    staff = make_user(role="staff")
    handbook = actions.create_page(actor=staff, space=intranet, title="Manuel")
    member = make_user()
    with pytest.raises(PermissionDenied):  # reads the intranet, does not write it
        actions.set_review(actor=member, page=handbook, review=review(intranet, owner="anne"))
    actions.add_editor(actor=make_admin(), page=handbook, person=member)  # a section editor may
    actions.set_review(actor=member, page=handbook, review=review(intranet, owner=member.username))
    assert Page.objects.get(pk=handbook.pk).owner == member


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"owner": "nobody-here"}, "owner"),
        ({"owner": "x" * 400}, "owner"),
        ({"owner": "a\x00b"}, "owner"),
        ({"by": "31/12/2026"}, "review_by"),
        ({"by": "2026-02-30"}, "review_by"),
        ({"by": "2026-03-30"}, "review_by"),  # yesterday
        ({"by": "2040-01-01"}, "review_by"),  # past ten years
        ({"every": "5"}, "review_interval"),
        ({"every": "-1"}, "review_interval"),
        ({"every": "999999999999"}, "review_interval"),
    ],
)
def test_bad_review_fields_are_refused_at_their_field(
    space: Space, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        review(space, **fields)
    assert field in error.value.message_dict


def test_the_owner_must_be_active_and_able_to_read_the_page(anne: User, space: Space) -> None:
    make_user(username="gone", is_active=False)
    make_user(username="outsider")  # the space is private
    for name in ("gone", "outsider"):
        with pytest.raises(ValidationError):
            review(space, owner=name)
    assert review(space, owner="anne", by="2026-03-31").review_by == TODAY  # today is fine


def test_the_edit_form_sets_them_and_bad_input_saves_nothing(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte", body="v1")
    client = client_for(anne)
    url = f"/spaces/{space.slug}/pages/{page.slug}/edit/"
    form = client.get(url).content.decode()
    assert 'name="owner" value="anne"' in form and 'name="review_interval"' in form
    bad = {"title": "Charte", "body": "v2", "base_revision": "1", "owner": "anne"}
    response = client.post(url, {**bad, "review_by": "demain"})
    assert response.status_code == 400 and 'id="review-by-errors"' in response.content.decode()
    page.refresh_from_db()
    assert (page.revision, page.body, page.review_by) == (1, "v1", None)
    later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(url, {**bad, "review_by": later, "review_interval": "12"})
    assert response.status_code == 302
    page.refresh_from_db()
    # The date typed wins over the interval on the save that set it.
    assert (page.revision, page.review_by.isoformat(), page.review_interval) == (2, later, 12)


def test_a_new_page_can_be_given_its_review_date(anne: User, space: Space) -> None:
    later = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client_for(anne).post(
        f"/spaces/{space.slug}/pages/new/",
        {"title": "Procédure", "body": "x", "owner": "", "review_by": later, "review_interval": ""},
    )
    assert response.status_code == 302
    page = Page.objects.get(title="Procédure")
    assert page.owner == anne and page.review_by.isoformat() == later  # blank owner: the creator


def test_reviewing_moves_the_date_by_the_interval(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte")
    Page.objects.filter(pk=page.pk).update(review_interval=3)
    page = past(page)
    today = timezone.localdate()
    page = actions.mark_reviewed(actor=anne, page=page)
    assert page.review_by == actions.add_months(today, 3) and page.reviewed_at is not None
    assert AuditEntry.objects.filter(action="pages.reviewed", target_id=str(page.pk)).exists()
    page = past(page)
    page = actions.edit_page(actor=anne, page=page, title="Charte", body="new", base_revision=1)
    assert page.review_by == actions.add_months(today, 3)  # a new revision is a review


def test_without_an_interval_review_clears_the_date_and_an_edit_keeps_it(
    anne: User, space: Space
) -> None:
    page = past(actions.create_page(actor=anne, space=space, title="Charte"))
    date = page.review_by
    page = actions.edit_page(actor=anne, page=page, title="Charte", body="new", base_revision=1)
    assert page.review_by == date
    assert actions.mark_reviewed(actor=anne, page=page).review_by is None


def test_the_owner_may_mark_reviewed_others_may_not(anne: User) -> None:
    intranet = organisation_space()
    staff = make_user(role="staff")
    page = actions.create_page(actor=staff, space=intranet, title="Mutuelle")
    owner, member = make_user(), make_user()
    page = past(page, owner=owner)
    with pytest.raises(PermissionDenied):
        actions.mark_reviewed(actor=member, page=page)
    assert actions.mark_reviewed(actor=owner, page=page).review_by is None
    response = client_for(member).post(f"/spaces/{intranet.slug}/pages/{page.slug}/reviewed/")
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="pages.reviewed", actor=member).exists()


def test_the_button_shows_for_writers_and_the_owner(anne: User, space: Space) -> None:
    page = past(actions.create_page(actor=anne, space=space, title="Charte"))
    url = f"/spaces/{space.slug}/pages/{page.slug}/"
    assert f'action="{url}reviewed/"' in client_for(anne).get(url).content.decode()
    bob = make_user()
    add_member(space, bob)
    Page.objects.filter(pk=page.pk).update(owner=bob)
    assert f'action="{url}reviewed/"' in client_for(bob).get(url).content.decode()
    response = client_for(anne).post(f"{url}reviewed/")
    assert response.status_code == 302
    assert Page.objects.get(pk=page.pk).review_by is None


# --- The reminder ----------------------------------------------------------------------------


def test_the_owner_is_reminded_once_per_date_and_mailed(anne: User, space: Space) -> None:
    page = past(actions.create_page(actor=anne, space=space, title="Charte"))
    assert actions.remind_reviews() == 1
    assert actions.remind_reviews() == 0  # once per date
    out = io.StringIO()
    call_command("remind_page_reviews", stdout=out)
    assert "0" in out.getvalue()
    notification = Notification.objects.get(recipient=anne, kind=PAGE_REVIEW)
    assert notification.subject_id == page.pk and "Charte" in notification.subject_title
    assert send_if_still_unread(
        notification_id=notification.pk, now=timezone.now() + datetime.timedelta(hours=2)
    )
    assert len(mail.outbox) == 1 and "Charte" in mail.outbox[0].subject
    # A new date is a new reminder (the old one, read, comes back unread).
    notification.read_at = timezone.now()
    notification.save()
    Page.objects.filter(pk=page.pk).update(review_by=timezone.localdate())
    assert actions.remind_reviews() == 1
    notification.refresh_from_db()
    assert notification.read_at is None and notification.is_reminder


def test_no_reminder_for_a_deleted_page_a_future_date_or_an_owner_who_left(
    anne: User, space: Space
) -> None:
    gone = actions.create_page(actor=anne, space=space, title="Ancienne")
    past(gone)
    actions.delete_page(actor=anne, page=gone)
    future = actions.create_page(actor=anne, space=space, title="Future")
    Page.objects.filter(pk=future.pk).update(review_by=timezone.localdate() + datetime.timedelta(1))
    left = make_user()
    add_member(space, left)
    past(actions.create_page(actor=anne, space=space, title="Orpheline"), owner=left)
    left.is_active = False
    left.save()
    assert actions.remind_reviews() == 0
    assert not Notification.objects.filter(kind=PAGE_REVIEW).exists()


def test_mail_follows_the_owners_preferences(anne: User, space: Space) -> None:
    Preference.objects.create(user=anne, kind=PAGE_REVIEW, email=False)
    past(actions.create_page(actor=anne, space=space, title="Charte"))
    assert actions.remind_reviews() == 1
    notification = Notification.objects.get(recipient=anne, kind=PAGE_REVIEW)
    later = timezone.now() + datetime.timedelta(hours=2)
    assert not send_if_still_unread(notification_id=notification.pk, now=later)
    assert mail.outbox == []


# --- The report ------------------------------------------------------------------------------


def test_who_sees_the_report_and_what(anne: User, space: Space) -> None:
    intranet = organisation_space()
    staff = make_user(role="staff")
    section = actions.create_page(actor=staff, space=intranet, title="RH")
    below = actions.create_page(actor=staff, space=intranet, title="Congés", parent=section)
    other = actions.create_page(actor=staff, space=intranet, title="Informatique")
    wiki = actions.create_page(actor=anne, space=space, title="Charte")
    for page in (section, below, other, wiki):
        past(page)
    editor, member, guest = make_user(), make_user(), make_guest()
    actions.add_editor(actor=make_admin(), page=section, person=editor)
    space_admin = make_user()
    add_member(space, space_admin, role="admin")
    add_member(space, member)

    def titles(user: User) -> set[str]:
        return {row.page.title for row in queries.review_report(user).overdue}

    assert titles(staff) == {"RH", "Congés", "Informatique"}
    assert titles(editor) == {"RH", "Congés"}
    assert titles(anne) == titles(space_admin) == {"Charte"}
    assert titles(make_admin()) == {"RH", "Congés", "Informatique", "Charte"}
    for nobody in (member, guest):
        assert queries.review_scope(nobody) is None
        assert client_for(nobody).get("/pages/review/").status_code == 403
    html = client_for(editor).get("/pages/review/").content.decode()
    assert "Congés" in html and "Informatique" not in html


def test_the_report_lists_days_overdue_and_owners_who_left(anne: User, space: Space) -> None:
    late = past(actions.create_page(actor=anne, space=space, title="Ancienne"), days=10)
    left = make_user()
    add_member(space, left)
    orphan = actions.create_page(actor=anne, space=space, title="Orpheline")
    Page.objects.filter(pk=orphan.pk).update(owner=left)
    left.is_active = False
    left.save()
    report = queries.review_report(anne)
    assert [(row.page.pk, row.days_overdue) for row in report.overdue] == [(late.pk, 10)]
    assert [(row.page.pk, row.owner_left) for row in report.owner_left] == [(orphan.pk, True)]


def test_the_report_sorts_and_ignores_unknown_sorts(anne: User, space: Space) -> None:
    for days, title in ((5, "Bravo"), (20, "Alpha"), (1, "Charlie")):
        past(actions.create_page(actor=anne, space=space, title=title), days=days)

    def order(sort: str) -> list[str]:
        return [row.page.title for row in queries.review_report(anne, sort=sort).overdue]

    assert order("overdue") == ["Alpha", "Bravo", "Charlie"]
    assert order("-overdue") == ["Charlie", "Bravo", "Alpha"]
    assert order("title") == ["Alpha", "Bravo", "Charlie"]
    assert order("-title") == ["Charlie", "Bravo", "Alpha"]
    assert order("owner__password") == order("overdue")
    client = client_for(anne)
    for sort in ("-edited", "space", "owner", "x" * 5000, "\x00"):
        assert client.get("/pages/review/", {"sort": sort}).status_code == 200
    page = client.get("/pages/review/", {"sort": "-title"}).content.decode()
    assert 'aria-sort="descending"' in page


def test_the_report_costs_the_same_queries_for_3_or_30_pages(anne: User, space: Space) -> None:
    client = client_for(anne)
    for n in range(3):
        past(actions.create_page(actor=anne, space=space, title=f"Page {n}"))
    client.get("/pages/review/")  # the session's first request writes its own rows
    with CaptureQueriesContext(connection) as few:
        assert client.get("/pages/review/").status_code == 200
    for n in range(3, 30):
        other = make_user()
        add_member(space, other)
        past(actions.create_page(actor=other, space=space, title=f"Page {n}"))
        if n % 2:
            other.is_active = False
            other.save()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/pages/review/")
    assert response.status_code == 200 and "Page 29" in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_page_past_its_date_whose_owner_left_is_still_saved_as_it_is(
    anne: User, space: Space
) -> None:
    bob = make_user(username="bob")
    add_member(space, bob)
    page = past(actions.create_page(actor=anne, space=space, title="Charte", body="v1"), owner=bob)
    bob.is_active = False
    bob.save()
    client = client_for(anne)
    url = f"/spaces/{space.slug}/pages/{page.slug}/edit/"
    form = client.get(url).content.decode()
    assert 'name="owner" value="bob"' in form
    response = client.post(
        url,
        {
            "title": "Charte",
            "body": "v2",
            "base_revision": "1",
            "owner": "bob",
            "review_by": page.review_by.isoformat(),
            "review_interval": "",
        },
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.body, page.owner, page.review_by) == ("v2", bob, page.review_by)
    # Naming someone else who left is refused.
    with pytest.raises(ValidationError):
        review(space, owner="bob")

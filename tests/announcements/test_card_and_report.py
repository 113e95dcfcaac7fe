"""What people see of an announcement: its audience on every card ("For: Production"), the
"Read and understood" button only for those it asks, its files on the home page's banner (and
the post not repeated below it), the report's plain-text excerpt, the banners' address opened
as a whole page, and the CSV export French Excel opens (issue 17)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from cercle.announcements import actions as announcement_actions
from cercle.feed import actions as feed_actions
from cercle.spaces import queries as space_queries
from tests.factories import make_department, make_post, make_user
from tests.helpers import files

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _production_notice() -> tuple[Any, Any, Any, Any]:
    production, sales = make_department("Production"), make_department("Ventes")
    worker = make_user(first_name="Paul", department=production)
    seller = make_user(first_name="Sami", department=sales)
    staff = make_user(role="staff")
    post = feed_actions.create_post(
        actor=staff,
        space=space_queries.organisation_space(),
        body="**Nouvelle consigne** de sécurité en atelier",
        attachments=[(io.BytesIO(files.pdf()), "consigne.pdf")],
    )
    announcement = announcement_actions.announce(
        actor=staff, post=post, departments=[production], requires_ack=True
    )
    return announcement, worker, seller, staff


def _card(page: str, post_id: int) -> str:
    start = page.index(f'id="post-{post_id}"')
    return page[start : page.index("</article>", start)]


def test_everyone_sees_whom_it_is_for_only_those_asked_confirm() -> None:
    announcement, worker, seller, staff = _production_notice()
    post_id = announcement.post_id
    for person in (worker, seller, staff):
        card = _card(client_for(person).get(f"/posts/{post_id}/").content.decode(), post_id)
        assert "For: Production" in card
    asked = _card(client_for(worker).get(f"/posts/{post_id}/").content.decode(), post_id)
    assert f'action="/announcements/{announcement.pk}/receipt/"' in asked
    assert "Read and understood" in asked
    for person in (seller, staff):
        card = _card(client_for(person).get(f"/posts/{post_id}/").content.decode(), post_id)
        assert "Read and understood" not in card
    # Once confirmed, the button goes.
    announcement_actions.acknowledge(actor=worker, announcement=announcement)
    done = _card(client_for(worker).get(f"/posts/{post_id}/").content.decode(), post_id)
    assert "Read and understood" not in done and "For: Production" in done


def test_an_announcement_for_everyone_says_so() -> None:
    staff = make_user(role="staff")
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Info")
    announcement_actions.announce(actor=staff, post=post)
    card = _card(client_for(make_user()).get(f"/posts/{post.pk}/").content.decode(), post.pk)
    assert "For: everyone" in card


def test_the_banner_shows_the_files_and_the_feed_does_not_repeat_it() -> None:
    announcement, worker, seller, _staff = _production_notice()
    attachment = announcement.post.attachments.get()
    home = client_for(worker).get("/").content.decode()
    banner = home[
        home.index('id="announcement-') : home.index("</section>", home.index('id="announcement-'))
    ]
    assert "For: Production" in banner
    assert f'src="/attachments/{attachment.pk}/preview/"' in banner
    assert f'href="/attachments/{attachment.pk}/"' in banner and "consigne.pdf" in banner
    # Under the banner, the feed leaves the same post out…
    assert f'id="post-{announcement.post_id}"' not in home
    # …and shows it again once confirmed (no banner any more).
    announcement_actions.acknowledge(actor=worker, announcement=announcement)
    home = client_for(worker).get("/").content.decode()
    assert 'class="card announcement"' not in home and f'id="post-{announcement.post_id}"' in home
    # Someone it does not target has no banner, and the post in the feed with its audience.
    other = client_for(seller).get("/").content.decode()
    assert 'class="card announcement"' not in other
    assert "For: Production" in _card(other, announcement.post_id)


def test_the_report_quotes_plain_text() -> None:
    announcement, _worker, _seller, staff = _production_notice()
    page = client_for(staff).get(f"/announcements/{announcement.pk}/").content.decode()
    excerpt = page[page.index('class="ack-excerpt">') : page.index("</blockquote>")]
    assert "Nouvelle consigne de sécurité en atelier" in excerpt
    assert "**" not in excerpt and "&lt;" not in excerpt


def test_the_banners_address_opened_in_a_browser_is_a_whole_page() -> None:
    _announcement, worker, _seller, _staff = _production_notice()
    page = client_for(worker).get("/feed/announcements/").content.decode()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "<title>" in page and "feed.css" in page and "Nouvelle consigne" in page
    fragment = client_for(worker).get("/feed/announcements/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()


def test_the_csv_opens_in_french_excel_and_stays_plain_in_english() -> None:
    announcement, worker, _seller, staff = _production_notice()
    announcement_actions.acknowledge(actor=worker, announcement=announcement)
    type(staff).objects.filter(pk=staff.pk).update(language="fr")
    french = client_for(staff).get(f"/announcements/{announcement.pk}/acknowledgements.csv")
    assert french.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    lines = list(csv.reader(io.StringIO(french.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][0] == "Nom" and len(lines[0]) == 5
    assert [line[0] for line in lines[1:]] == [worker.display_name]
    type(staff).objects.filter(pk=staff.pk).update(language="en")
    english = client_for(staff).get(f"/announcements/{announcement.pk}/acknowledgements.csv")
    assert not english.content.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(english.content.decode())))[0] == "Name"

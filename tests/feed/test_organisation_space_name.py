"""The organisation space's stored name ("Whole organisation") is English;
every page, notification and mail shows it translated (`cercle.spaces.queries.display_name`, the
`space_name` template filter), while the API keeps the stored name beside `is_organisation`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from cercle.feed import actions
from cercle.feed.notifications import fan_out_space_post
from cercle.notifications import email
from cercle.notifications import queries as notification_queries
from cercle.notifications.models import SpaceLevel, SpaceSetting
from cercle.spaces.queries import display_name, organisation_space
from tests.factories import make_admin, make_post, make_space, make_user

pytestmark = pytest.mark.django_db

STORED = "Whole organisation"
FRENCH = "Toute l'organisation"


def french_client(user: Any) -> Client:
    user.language = "fr"
    user.save(update_fields=["language"])
    client = Client(headers={"Accept-Language": "fr"})
    client.force_login(user)
    return client


def test_display_name_and_filter() -> None:
    org = organisation_space()
    assert org.name == STORED
    other = make_space(name="Club vélo")
    template = Template(
        "{% load spaces_tags %}{{ a|space_name }}|{{ b|space_name }}|{{ c|space_name }}"
    )
    with translation.override("fr"):
        assert display_name(org) == FRENCH
        assert display_name(other) == "Club vélo"
        rendered = template.render(Context({"a": org, "b": other, "c": None}))
        assert rendered == "Toute l&#x27;organisation|Club vélo|"  # escaped as any text
    with translation.override("en"):
        assert display_name(org) == STORED


def test_moderation_queue_and_history_in_french() -> None:
    org = organisation_space()
    author = make_user(role="staff", first_name="François")
    reader = make_user()
    admin = make_admin()
    post = make_post(author=author, space=org, body="Note sur le télétravail")
    report = actions.report(actor=reader, post=post, reason="spam")
    client = french_client(admin)
    page = client.get("/moderation/").content.decode()
    assert FRENCH.replace("'", "&#x27;") in page and STORED not in page
    actions.decide_report(actor=admin, report=report, hide=False)
    page = client.get("/moderation/").content.decode()
    assert 'id="decided"' in page
    assert FRENCH.replace("'", "&#x27;") in page and STORED not in page


def test_space_post_notification_list_api_and_mail_in_french(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    org = organisation_space()
    author = make_user(role="staff", first_name="François", last_name="Girard")
    hr = make_user(first_name="Hélène")
    SpaceSetting.objects.create(user=hr, space=org, level=SpaceLevel.ALL)
    make_post(author=author, space=org, body="Fermeture de la cantine vendredi")
    assert fan_out_space_post(post_id=org.posts.get().pk) == 1
    notification = notification_queries.visible_notifications(hr).get()
    with translation.override("fr"):
        assert notification_queries.describe(notification) == (
            f"François Girard a publié dans {FRENCH} « Fermeture de la cantine vendredi »"
        )
    client = french_client(hr)
    page = client.get("/notifications/").content.decode()
    assert f"publié dans {FRENCH}".replace("'", "&#x27;") in page and STORED not in page
    api = client.get("/api/v1/notifications").json()
    assert api["items"][0]["text"].startswith(f"François Girard a publié dans {FRENCH} « ")
    # The daily digest reads the same line, in the person's language.
    mail.outbox.clear()
    assert email.send_digests() == 1
    assert f"François Girard a publié dans {FRENCH}" in mail.outbox[0].body
    assert STORED not in mail.outbox[0].body


def test_api_keeps_the_stored_name_and_tells_which_space_is_the_organisations() -> None:
    org = organisation_space()
    person = make_user()
    client = Client()
    client.force_login(person)
    got = client.get(f"/api/v1/spaces/{org.slug}", headers={"Accept-Language": "fr"}).json()
    assert got["name"] == STORED and got["is_organisation"] is True

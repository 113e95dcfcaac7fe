"""A person's card (`accounts/_person_card.html`), now drawn in Python by `{% person_card %}`
(issue 15: its includes, URLs and filters were half of a directory search's Python calls), gives
the very HTML the template gave (`tests/accounts/reference/_person_card.html`, with the avatar and
Message button templates it included), for every state of a card, viewer and language."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Engine
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cercle.accounts.models import Profile, Role
from tests.factories import make_department, make_site, make_user

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference"


def _people() -> list[Any]:
    sales, paris = make_department("Ventes & <Co>"), make_site("Paris")
    people = [
        make_user(first_name="Zoé", last_name="Ñuñez", job_title="Chef <de> projet & co"),
        make_user(first_name="", last_name="", department=sales, site=paris),
        make_user(first_name="ßarah", last_name="élan", department=sales),
        make_user(first_name="Ann", site=paris, role=Role.GUEST),
        make_user(first_name="Photo", job_title="Designer", photo="photos/2026/12/a&b.jpg"),
        make_user(username="x<y", first_name="", last_name="Q"),
        make_user(is_active=False, first_name="Gone"),
    ]
    return people


def _contexts(viewer: Any) -> list[dict[str, Any]]:
    skills = [SimpleNamespace(name="Python"), SimpleNamespace(name="<Design> & UX")]
    return [
        {"user": viewer, "csrf_token": "tok3n<>", "top_skills": skills},
        {"user": viewer, "csrf_token": "NOTPROVIDED", "top_skills": []},
        {"user": viewer},
        # What a page around the include may hold: the avatar template read them too.
        {"user": viewer, "csrf_token": "t", "size": "avatar-sm", "alt": True, "top_skills": None},
        {"user": viewer, "size": 'a"b', "alt": ""},
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_python_card_draws_what_the_template_drew(language: str) -> None:
    engine = Engine.get_default()
    reference = engine.from_string((REFERENCE / "_person_card.html").read_text())
    card = engine.get_template("accounts/_person_card.html")
    people = _people()
    viewers = [people[0], people[3], make_user(role=Role.ADMIN), AnonymousUser(), None]
    compared = 0
    with translation.override(language):
        for person in people:
            for viewer in viewers:
                for values in _contexts(viewer):
                    # Read as the directory reads them (`only` the card's fields) and as a
                    # profile's direct reports are (whole).
                    for p in (
                        Profile.objects.select_related("user", "department", "site").get(
                            user=person
                        ),
                        Profile.objects.get(user=person),
                    ):
                        expected = reference.render(Context({**values, "p": p}))
                        with CaptureQueriesContext(connection) as before:
                            reference.render(Context({**values, "p": p}))
                        with CaptureQueriesContext(connection) as after:
                            drawn = card.render(Context({**values, "p": p}))
                        assert drawn == expected, (person.username, values)
                        assert len(after) <= len(before)
                        compared += 1
    assert compared == len(people) * len(viewers) * 5 * 2


def test_a_directory_page_draws_its_cards(client: Any) -> None:
    viewer = make_user(first_name="Viewer")
    for n in range(3):
        make_user(first_name=f"Marie{n}", job_title=f"Job {n}")
    client.force_login(viewer)
    page = client.get("/people/?q=marie").content.decode()
    assert page.count('<li class="person-card">') == 3
    assert 'class="inline-form message-button"' in page

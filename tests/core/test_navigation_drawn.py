"""The header's menus and the side navigation drawn in Python (`{% account_menu %}`,
`{% main_navigation %}`, `{% side_navigation %}`: issue 15, round 8) give the very pages the
former templates gave: `tests/core/reference/base.html` (the former `base.html`),
`tests/core/reference/core/_side_navigation.html` and the Messages link's
`tests/core/reference/chat/_nav_link.html` (`chat.navigation.messages_link`, now drawn in Python
too), loaded with the former tags (`tests/core/reference_navigation.py`); the new `base.html` also
draws its fixed parts once per language (`{% fixed %}`). Each page is asked twice, with the
reference templates and with the new ones, for a member with favourites, unread conversations and
spaces with new posts, an administrator (the Administration link, the admins' header links), a
guest and a newcomer, in English and in French, on pages that mark each kind of link current (a
main link, a phone's "More" link, the Messages link drawn by chat, an account link, a space of the
side navigation, a page of none), and signed out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from cercle.accounts.models import User
from cercle.homepage import actions as homepage_actions
from cercle.spaces import actions as space_actions
from tests.factories import (
    add_member,
    make_admin,
    make_direct,
    make_group,
    make_guest,
    make_message,
    make_post,
    make_space,
    make_user,
)
from tests.helpers.drawn_pages import reference_templates, same_page, settled

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference"


def _same(client: Client, url: str, who: str) -> str:
    return same_page(
        client,
        url,
        who,
        reference_templates(REFERENCE, {"navigation": "tests.core.reference_navigation"}),
    )


@pytest.fixture
def people() -> dict[str, Any]:
    admin = settled(make_admin(first_name="Ada", last_name="Admin"))
    member = settled(make_user(first_name="Élodie", last_name="<Dupont> & co"))
    other = settled(make_user(first_name="Zoé", last_name="O'Neil"))
    guest = make_guest(first_name="Gaston", last_name="Guest")
    newcomer = make_user(first_name="Nina", last_name="Nouvelle")
    favourite = make_space(owner=admin, name="Atelier <b>& co</b>")
    busy = make_space(owner=admin, name='Équipe "projets"')
    quiet = make_space(owner=other, name="Calme")
    for space in (favourite, busy, quiet):
        add_member(space, member)
        add_member(space, guest)
    add_member(busy, newcomer)
    space_actions.set_favourite(actor=member, space=favourite, favourite=True)
    # New posts since the member last opened `busy` (the side navigation's dot).
    space_actions.mark_space_seen(actor=member, space=busy)
    make_post(author=admin, space=busy, body="Du nouveau")
    direct = make_direct(member, other)
    make_message(other, direct, "Bonjour <toi>")
    make_message(other, direct, "Tu es là ?")
    group = make_group(admin, [member, other], name="Projet <Lumen>")
    make_message(admin, group, "Réunion")
    make_direct(admin, member)
    homepage_actions.save_link(
        actor=admin,
        data=homepage_actions.LinkInput(
            place="menu",
            label_fr="Notes de frais",
            label_en="Expense <claims>",
            url="/people/",
            icon="expenses",
        ),
    )
    return {
        "admin": admin,
        "member": member,
        "guest": guest,
        "newcomer": newcomer,
        "favourite": favourite,
        "busy": busy,
    }


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_person_sees_the_same_pages(people: dict[str, Any], language: str) -> None:
    favourite, busy = people["favourite"], people["busy"]
    pages = [
        "/",  # Home, a main link current
        "/people/",  # People
        f"/spaces/{favourite.slug}/",  # Spaces current, a space of the side navigation current
        "/messages/",  # the Messages link drawn by chat, current
        "/agenda/",  # a phone's "More" link current
        "/settings/",  # an account link current
        "/notifications/",  # none of the menus' links
    ]
    for who in ("member", "admin", "guest", "newcomer"):
        person = people[who]
        User.objects.filter(pk=person.pk).update(language=language)
        client = Client()
        client.force_login(person)
        for url in pages:
            _same(client, url, who)
        if who != "guest":
            _same(client, f"/spaces/{busy.slug}/", who)
    admin = Client()
    admin.force_login(people["admin"])
    page = _same(admin, "/manage/", "admin")
    assert 'href="/manage/" aria-current="page"' in page
    make_post(author=people["admin"], space=busy, body="Encore du nouveau")
    member = Client()
    member.force_login(people["member"])
    page = _same(member, "/", "member")
    # The states drawn are there: a favourite, unread conversations, a space with new posts.
    assert 'class="sidenav-star"' in page
    assert 'class="badge"' in page
    assert 'class="sidenav-dot"' in page
    assert "&lt;Dupont&gt; &amp; co" in page
    assert "nav-more-current" in _same(member, "/agenda/", "member")


def test_signed_out_pages_are_the_same() -> None:
    _same(Client(), "/accounts/login/", "nobody")


def test_a_fixed_part_is_drawn_once_per_language_and_holds_nothing_that_varies() -> None:
    from django.template import Context, Template, TemplateSyntaxError
    from django.utils import translation

    fixed = Template(
        "{% load i18n navigation %}{% fixed %}<a href=\"{% url 'search' %}\">"
        '{% translate "Search" %}</a>{% endfixed %}'
    )
    with translation.override("en"):
        assert fixed.render(Context()) == '<a href="/search/">Search</a>'
    with translation.override("fr"):
        assert fixed.render(Context()) == '<a href="/search/">Rechercher</a>'
    for varying in (
        "{{ user.pk }}",
        "{% if x %}x{% endif %}",
        "{% translate name %}",
        '{% translate "Search" as label %}',
        "{% url 'profile' username %}",
        "{% url 'account:login' %}",
        "{% csrf_token %}",
        "{% static path %}",
    ):
        with pytest.raises(TemplateSyntaxError):
            Template(f"{{% load i18n static navigation %}}{{% fixed %}}{varying}{{% endfixed %}}")

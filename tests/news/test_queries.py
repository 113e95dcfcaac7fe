"""Who reads an article: the audience matrix (the whole organisation, a department, a site, a
space × a member of it, an outsider, an external guest, a deactivated person; managers and admins
see every article), the publication window (scheduled, live, ended), featured articles on the
home page, and read counts with small groups merged into "Other"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from cercle.news import actions, queries
from cercle.news.panels import home_panel
from tests.factories import (
    add_member,
    make_admin,
    make_department,
    make_guest,
    make_site,
    make_space,
    make_user,
)
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db

# audience → who → sees it
MATRIX: dict[str, dict[str, bool]] = {
    "org": {"member": True, "outsider": True, "guest": False, "deactivated": False},
    "department": {"member": True, "outsider": False, "guest": False, "deactivated": False},
    "site": {"member": True, "outsider": False, "guest": False, "deactivated": False},
    "space": {"member": True, "outsider": False, "guest": True, "deactivated": False},
}


def _cast(audience: str) -> tuple[Any, dict[str, Any]]:
    department, site = make_department(), make_site()
    space = make_space(kind="private")
    member = make_user(department=department, site=site)
    outsider = make_user(department=make_department(), site=make_site())
    # A guest of the department and site (and a member of the space): only the space lets them in.
    guest = make_guest(department=department, site=site)
    deactivated = make_user(department=department, site=site, is_active=False)
    for person in (member, guest, deactivated):
        add_member(space, person)
    targets: dict[str, Any] = {
        "org": {},
        "department": {"departments": [department]},
        "site": {"sites": [site]},
        "space": {"spaces": [space]},
    }[audience]
    found = article(**targets)
    people = {"member": member, "outsider": outsider, "guest": guest, "deactivated": deactivated}
    return found, people


@pytest.mark.parametrize("audience", list(MATRIX))
def test_the_audience_matrix(audience: str) -> None:
    found, people = _cast(audience)
    for who, expected in MATRIX[audience].items():
        person = people[who]
        assert queries.visible_articles(person).filter(pk=found.pk).exists() is expected, who
        assert queries.live_articles(person).filter(pk=found.pk).exists() is expected, who
        in_audience = queries.audience_people(found).filter(pk=person.pk).exists()
        assert in_audience is expected, who
        if not expected:
            with pytest.raises(queries.NotFound):
                queries.access_article(person, found.pk)
    # Managers and admins see every article, whatever its audience.
    assert queries.visible_articles(manager()).filter(pk=found.pk).exists()
    assert queries.visible_articles(make_admin()).filter(pk=found.pk).exists()


def test_a_department_or_a_site_or_a_space_is_enough() -> None:
    department, site = make_department(), make_site()
    space = make_space()
    by_department = make_user(department=department)
    by_site = make_user(site=site)
    by_space = make_user()
    add_member(space, by_space)
    nobody = make_user(department=make_department())
    found = article(departments=[department], sites=[site], spaces=[space])
    for person in (by_department, by_site, by_space):
        assert queries.visible_articles(person).filter(pk=found.pk).exists()
    assert not queries.visible_articles(nobody).filter(pk=found.pk).exists()
    # One row per article, however many of its targets the person matches.
    both = make_user(department=department, site=site)
    add_member(space, both)
    assert list(queries.visible_articles(both)) == [found]


def test_scheduled_articles_appear_at_their_time_and_go_at_their_end() -> None:
    reader = make_user()
    now = timezone.now()
    soon = article(published_at=now + datetime.timedelta(hours=2))
    draft = article(published_at=None)
    ending = article(
        published_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(hours=1)
    )
    assert list(queries.visible_articles(reader)) == [ending]
    later = now + datetime.timedelta(hours=3)
    assert list(queries.visible_articles(reader, later)) == [soon]
    assert queries.state_of(soon, now).key == "scheduled"
    assert queries.state_of(soon, later).key == "live"
    assert queries.state_of(ending, later).key == "ended"
    assert queries.state_of(draft, now).key == "draft"
    # Managers see drafts and scheduled ones in the list, readers never.
    assert set(queries.news_list(manager())) == {soon, draft, ending}


def test_featured_articles_on_the_home_page_for_their_audience_only(
    django_assert_num_queries: Any,
) -> None:
    site = make_site()
    here, elsewhere = make_user(site=site), make_user(site=make_site())
    shown = article(title="À la une", featured=True, sites=[site])
    article(title="Pas à la une", sites=[site])
    article(title="Plus tard", featured=True, published_at=timezone.now() + datetime.timedelta(1))
    # The ids by a query built once per person shape, then the rows (`queries.featured`).
    with django_assert_num_queries(2):
        part = home_panel(here)
    assert part is not None and part["articles"] == [shown]
    assert home_panel(elsewhere) is None


@pytest.mark.parametrize("audience", list(MATRIX))
def test_featured_agrees_with_live_articles_for_every_person(audience: str) -> None:
    """`featured`'s query, built once per person shape with stand-ins for the person's ids and
    the moment, answers as `live_articles` built for each person does."""
    found, people = _cast(audience)
    found.featured = True
    found.save(update_fields=["featured"])
    ended = article(title="Finie", featured=True, ends_at=timezone.now())
    everyone = [*people.values(), manager(), make_admin(), make_user(), make_guest()]
    for person in everyone:
        expected = list(
            queries.live_articles(person)
            .filter(featured=True)
            .order_by("-published_at", "-id")
            .values_list("pk", flat=True)[: queries.FEATURED_SHOWN]
        )
        assert [a.pk for a in queries.featured(person)] == expected, person.username
        assert ended.pk not in expected
    assert [a.pk for a in queries.featured(people["member"])] == [found.pk]


def test_read_counts_merge_small_groups_into_other() -> None:
    big, small = make_department("Production"), make_department("Finance")
    site = make_site("Nantes")
    found = article()
    for _n in range(5):
        actions.record_read(reader=make_user(department=big, site=site), article=found)
    for _n in range(2):
        actions.record_read(reader=make_user(department=small, site=site), article=found)
    actions.record_read(reader=make_user(), article=found)
    with translation.override("en"):
        counts = queries.read_counts(found)
    assert counts.total == 8
    assert [(g.name, g.readers) for g in counts.by_department] == [("Production", 5), ("Other", 3)]
    assert [(g.name, g.readers) for g in counts.by_site] == [("Nantes", 7), ("Other", 1)]
    assert counts.audience >= 8
    # The author and managers see them; readers do not.
    assert queries.may_see_reads(found.author, found)
    assert not queries.may_see_reads(make_user(), found)


@pytest.mark.parametrize("audience", list(MATRIX))
def test_the_space_tab_agrees_with_live_articles_for_every_person(audience: str) -> None:
    """`has_space_articles`' query (the News tab of every space page), built once per person
    shape with stand-ins for the ids and the moment, answers as `live_articles` built for each
    person does: the article's own space, another space it is also written for, a space it is
    not written for; a person removed from the space; an ended article."""
    found, people = _cast(audience)
    written_for = make_space(kind="open")
    found.spaces.add(written_for)
    removed = make_user()
    add_member(written_for, removed)
    elsewhere = make_space(kind="open")
    ended = article(title="Finie", spaces=[elsewhere], ends_at=timezone.now())
    removed.space_memberships.all().delete()
    everyone = [*people.values(), removed, manager(), make_admin(), make_user(), make_guest()]
    spaces = [written_for, elsewhere, *found.spaces.all()]
    answers = set()
    for person in everyone:
        for space in spaces:
            expected = queries.live_articles(person).filter(spaces=space).exists()
            assert queries.has_space_articles(person, space) == expected, (person.username, space)
            answers.add(expected)
        assert not queries.has_space_articles(person, elsewhere)
    assert answers == {True, False}
    assert ended.pk not in queries.live_articles(make_admin()).values_list("pk", flat=True)

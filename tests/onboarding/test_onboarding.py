"""The newcomer's checklist: shown on a newcomer's home page, each step done by really doing it
(or, for the welcome page and the app, by saying so), skippable, hideable and found again; the
spaces admins suggest per department and site; the welcome post, which the newcomer may turn off
before it is published, and which is published once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercle.accounts.models import Follow, User
from cercle.audit.models import AuditEntry
from cercle.feed.models import Post
from cercle.onboarding import actions, queries
from cercle.onboarding.models import OnboardingState, SuggestedSpace
from cercle.spaces.models import Membership
from tests.factories import (
    give_skill,
    make_admin,
    make_department,
    make_guest,
    make_site,
    make_space,
    make_user,
)

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def steps(user: User) -> dict[str, tuple[bool, bool]]:
    state = OnboardingState.objects.get(user=user)
    return {s.key: (s.done, s.skipped) for s in queries.checklist(user, state).steps}


@pytest.fixture
def team() -> dict[str, object]:
    sales, paris = make_department("Ventes"), make_site("Paris")
    admin = make_admin(username="rh", email="rh@example.org")
    team_space = make_space(owner=admin, name="Équipe Ventes")
    paris_space = make_space(owner=admin, name="Site de Paris")
    everyone_space = make_space(owner=admin, name="Toute l'entreprise")
    private = make_space(owner=admin, name="Direction", kind="secret")
    actions.suggest_space(actor=admin, space=team_space, department=sales, site=None)
    actions.suggest_space(actor=admin, space=paris_space, department=None, site=paris)
    actions.suggest_space(actor=admin, space=everyone_space, department=None, site=None)
    actions.suggest_space(actor=admin, space=private, department=None, site=None)
    colleague = make_user(username="colleague", department=sales)
    newcomer = make_user(username="newbie", first_name="Nina", department=sales, site=paris)
    return {
        "admin": admin,
        "team_space": team_space,
        "paris_space": paris_space,
        "everyone_space": everyone_space,
        "private": private,
        "colleague": colleague,
        "newcomer": newcomer,
    }


def test_a_newcomer_sees_the_checklist_and_an_old_hand_does_not(team: dict) -> None:
    home = signed_in(team["newcomer"]).get("/").content.decode()
    assert 'id="onboarding-heading"' in home
    assert "0 of 6 steps done" in home
    old_hand = make_user(username="old")
    User.objects.filter(pk=old_hand.pk).update(date_joined=timezone.now() - timedelta(days=90))
    assert 'id="onboarding-heading"' not in signed_in(old_hand).get("/").content.decode()
    assert not OnboardingState.objects.filter(user=old_hand).exists()
    # …who finds it in their menu all the same.
    assert signed_in(old_hand).get("/welcome/").status_code == 200
    assert 'id="onboarding-heading"' in signed_in(old_hand).get("/").content.decode()


def test_each_step_is_done_by_doing_it(team: dict, settings: object) -> None:
    newcomer, colleague = team["newcomer"], team["colleague"]
    client = signed_in(newcomer)
    actions.update_settings(
        actor=team["admin"],
        welcome_page_url="/intranet/",
        welcome_posts=True,
        welcome_delay_hours=24,
        newcomer_days=30,
    )
    client.get("/")
    assert all(not done for done, _ in steps(newcomer).values())
    newcomer.profile.photo = "photos/2026/12/nina.jpg"
    newcomer.profile.save(update_fields=["photo"])
    give_skill(newcomer, "Négociation")
    newcomer.language = "fr"
    newcomer.save(update_fields=["language"])
    page = client.get("/welcome/").content.decode()
    # The suggestions the person may join (not the secret space), and the team to follow.
    assert "Équipe Ventes" in page and "Site de Paris" in page and "Direction" not in page
    assert f'action="/welcome/people/{colleague.pk}/follow/"' in page
    joined = client.post(f"/welcome/spaces/{team['team_space'].pk}/join/", {"next": "/welcome/"})
    assert joined.status_code == 302
    assert Membership.objects.filter(user=newcomer, space=team["team_space"]).exists()
    client.post(f"/welcome/people/{colleague.pk}/follow/", {"next": "/welcome/"})
    assert Follow.objects.filter(follower=newcomer, followed=colleague).exists()
    read = client.post("/welcome/steps/welcome/done/")
    assert read["Location"] == "/intranet/"
    installed = client.post("/welcome/steps/app/done/", headers={"X-Cercle-Background": "1"})
    assert installed.status_code == 204
    assert all(done for done, _ in steps(newcomer).values()), steps(newcomer)
    # Complete: gone from the home page.
    assert 'id="onboarding-heading"' not in client.get("/").content.decode()


def test_steps_are_skipped_undone_and_the_checklist_hidden_and_found_again(team: dict) -> None:
    newcomer = team["newcomer"]
    client = signed_in(newcomer)
    client.get("/")
    assert client.post("/welcome/steps/photo/skip/", {"next": "/"})["Location"] == "/"
    assert steps(newcomer)["photo"] == (False, True)
    client.post("/welcome/steps/photo/skip/", {"undo": "1"})
    assert steps(newcomer)["photo"] == (False, False)
    assert client.post("/welcome/steps/nothing/skip/").status_code == 400
    assert client.post("/welcome/steps/photo/done/").status_code == 400  # done by doing it
    # An outside address in `next` is not followed.
    assert (
        client.post("/welcome/steps/skills/skip/", {"next": "https://evil.example/"})["Location"]
        == "/welcome/"
    )
    client.post("/welcome/hide/")
    assert 'id="onboarding-heading"' not in client.get("/").content.decode()
    menu = client.get("/").content.decode()
    assert 'href="/welcome/"' in menu  # "Getting started" in the account menu
    page = client.get("/welcome/").content.decode()  # opening it changes nothing…
    assert 'id="onboarding-heading"' not in client.get("/").content.decode()
    assert 'action="/welcome/show/"' in page  # …its button puts it back
    assert client.post("/welcome/show/")["Location"] == "/"
    assert 'id="onboarding-heading"' in client.get("/").content.decode()


def test_only_suggested_spaces_are_joined_here_and_guests_have_no_checklist(team: dict) -> None:
    client = signed_in(team["newcomer"])
    other = make_space(name="Autre")
    assert client.post(f"/welcome/spaces/{other.pk}/join/").status_code == 404
    assert not Membership.objects.filter(user=team["newcomer"], space=other).exists()
    # The secret space is suggested but the newcomer may not join it: refused, nothing joined.
    client.post(f"/welcome/spaces/{team['private'].pk}/join/")
    assert not Membership.objects.filter(user=team["newcomer"], space=team["private"]).exists()
    guest = make_guest(username="guest")
    assert signed_in(guest).get("/welcome/").status_code == 404
    assert not OnboardingState.objects.filter(user=guest).exists()


def test_the_welcome_post_is_published_once_unless_turned_off(team: dict) -> None:
    newcomer, other = (
        team["newcomer"],
        make_user(username="other", department=team["newcomer"].profile.department),
    )
    for person in (newcomer, other):
        signed_in(person).get("/")
        Membership.objects.get_or_create(space=team["team_space"], user=person)
    signed_in(other).post("/welcome/post/", {"publish": "0"})
    assert actions.publish_welcome_posts() == 0  # not due yet: 24 hours
    OnboardingState.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert actions.publish_welcome_posts() == 1
    assert actions.publish_welcome_posts() == 0
    [post] = Post.objects.filter(space=team["team_space"])
    assert post.author == newcomer and "Nina" in post.body
    assert OnboardingState.objects.get(user=other).welcome_posted_at is None
    # Published: it can no longer be turned off.
    assert signed_in(newcomer).post("/welcome/post/", {"publish": "0"}).status_code == 400


def test_admins_suggest_spaces_and_set_the_welcome(team: dict) -> None:
    admin = signed_in(team["admin"])
    page = admin.get("/manage/onboarding/")
    assert page.status_code == 200 and "Équipe Ventes" in page.content.decode()
    space = make_space(name="Nouveaux")
    assert admin.post("/manage/onboarding/", {"suggest": "1", "space": space.pk}).status_code == 302
    assert SuggestedSpace.objects.filter(space=space, department=None, site=None).exists()
    bad = admin.post(
        "/manage/onboarding/",
        {
            "welcome_page_url": "https://evil.example/",
            "welcome_delay_hours": 24,
            "newcomer_days": 30,
        },
    )
    assert bad.status_code == 400
    assert queries.onboarding_settings().welcome_page_url == ""
    good = admin.post(
        "/manage/onboarding/",
        {
            "welcome_page_url": "/intranet/",
            "welcome_posts": "on",
            "welcome_delay_hours": 2,
            "newcomer_days": 14,
        },
    )
    assert good.status_code == 302
    assert queries.onboarding_settings().welcome_delay_hours == 2
    assert AuditEntry.objects.filter(action="onboarding.settings_changed").exists()
    assert signed_in(team["colleague"]).get("/manage/onboarding/").status_code == 403
    suggestion = SuggestedSpace.objects.get(space=space)
    admin.post(f"/manage/onboarding/suggestions/{suggestion.pk}/remove/")
    assert not SuggestedSpace.objects.filter(pk=suggestion.pk).exists()


def test_the_checklist_costs_a_fixed_number_of_queries(team: dict) -> None:
    newcomer = team["newcomer"]
    state = actions.ensure_state(newcomer)
    queries.checklist(newcomer, state)  # the settings, cached from then on
    with CaptureQueriesContext(connection) as few:
        queries.checklist(newcomer, state)
    for n in range(5):
        make_user(username=f"mate{n}", department=newcomer.profile.department)
        actions.suggest_space(actor=team["admin"], space=make_space(), department=None, site=None)
    with CaptureQueriesContext(connection) as many:
        queries.checklist(newcomer, state)
    assert len(many) == len(few) <= 6


def test_colleagues_to_follow_are_the_team_first_then_the_department_by_name() -> None:
    sales, other = make_department("Ventes"), make_department("Achats")
    boss = make_user(username="boss", last_name="Zola", department=other)
    newcomer = make_user(username="nina", last_name="Nadal", department=sales, manager=boss)
    make_user(username="mate", last_name="Yvon", department=other, manager=boss)
    # The directory's order: by last name (accents ignored).
    department = [
        make_user(username=f"d{n}", last_name=name, department=sales)
        for n, name in enumerate(["Bruel", "Abadie", "Chéreau", "Dumas", "Éluard", "Fabre"])
    ]
    make_user(username="gone", last_name="Aaron", department=sales, is_active=False)
    make_user(username="elsewhere", last_name="Aaron", department=other)
    Follow.objects.create(follower=newcomer, followed=department[1])  # Alice: already followed
    profile = newcomer.profile
    shown = [person.username for person in queries.colleagues_to_follow(newcomer, profile)]
    # The manager and the one who shares them, then the department by name, six in all, with
    # neither the inactive person, nor the one already followed, nor another department's.
    assert shown == ["mate", "boss", "d0", "d2", "d3", "d4"]
    # Without a manager: the department alone, by name.
    loner = make_user(username="loner", last_name="Loup", department=sales)
    shown = [person.username for person in queries.colleagues_to_follow(loner, loner.profile)]
    assert shown == ["d1", "d0", "d2", "d3", "d4", "d5"]

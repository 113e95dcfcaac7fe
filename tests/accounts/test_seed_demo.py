"""`seed_demo`: the demo organisation, idempotence, logins, search columns, and `--scale`."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client
from django.urls import reverse

from cercle.accounts import demo_data
from cercle.accounts.actions.seed import DEMO_PASSWORD, demo_username, seed_scale_people
from cercle.accounts.models import (
    Department,
    Endorsement,
    Organisation,
    Profile,
    Role,
    Site,
    Skill,
    User,
    UserSkill,
)
from cercle.accounts.search import filter_search, plan_search
from cercle.audit.models import AuditEntry
from cercle.core.management.commands import login_hint
from cercle.core.text import normalize

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    """The demo people (the month of activity is tested in tests/feed/test_demo.py)."""
    out = StringIO()
    call_command("seed_demo", "--people-only", *args, stdout=out)
    return out.getvalue()


def search(query: str) -> set[str]:
    """Usernames the directory's full-text search finds for `query` (its index, not a LIKE)."""
    plan = plan_search(query)
    assert plan is not None
    return set(filter_search(Profile.objects.all(), plan).values_list("user__username", flat=True))


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Profile,
            Department,
            Site,
            Skill,
            UserSkill,
            Endorsement,
            EmailAddress,
            AuditEntry,
        )
    }


def assert_endorsement_counts_right() -> None:
    wrong = (
        UserSkill.objects.annotate(real=Count("endorsements"))
        .exclude(endorsement_count=F("real"))
        .count()
    )
    assert wrong == 0


def test_demo_organisation_has_people_departments_sites_and_a_name() -> None:
    output = seed()

    assert "Atelier Lumen" in output
    assert User.objects.count() == 61  # 60 people and the admin account
    assert Profile.objects.count() == 61
    assert Department.objects.count() == 8
    assert Site.objects.count() == 3
    assert Organisation.objects.get(pk=1).name == "Atelier Lumen"
    departments = set(Department.objects.values_list("name", flat=True))
    assert {"Direction générale", "Ressources humaines", "Informatique (DSI)"} <= departments
    # Every department has people; the guest is outside them.
    assert not Department.objects.annotate(n=Count("profiles")).filter(n=0).exists()
    roles = dict(User.objects.values_list("role").annotate(n=Count("id")))
    assert roles[Role.GUEST] == 1
    assert roles[Role.STAFF] >= 3
    assert roles[Role.ADMIN] >= 2
    admin = User.objects.get(username="admin")
    assert admin.is_admin and admin.is_superuser and admin.is_staff
    assert User.objects.filter(role=Role.STAFF, is_staff=False).count() == roles[Role.STAFF]


def test_demo_people_have_full_profiles() -> None:
    seed()
    zoe = Profile.objects.select_related("user", "department", "site", "manager").get(
        user__username="zoe.bonnet"
    )
    assert zoe.user.first_name == "Zoé"
    assert zoe.department is not None and zoe.department.name == "Informatique (DSI)"
    assert zoe.site is not None and zoe.site.city == "Grenoble"
    assert zoe.manager is not None and zoe.manager.username == "maxime.dupont"
    assert zoe.phone.startswith("+33 4 76")
    assert zoe.languages == ["Français", "Anglais"]
    assert zoe.ask_me_about and zoe.bio
    assert "<blockquote>" in zoe.bio_html  # the bio's Markdown, rendered
    levels = dict(zoe.user.skills.values_list("skill__name", "level"))
    assert levels["Python"] == 4
    # Most people have a bio, topics, a phone, several skills and at least one endorsement.
    people = Profile.objects.exclude(user__username="admin")
    assert people.exclude(bio="").count() == 60
    assert people.exclude(phone="").count() >= 59
    assert Endorsement.objects.count() > 200
    assert UserSkill.objects.filter(endorsement_count__gte=7).exists()
    assert_endorsement_counts_right()
    assert not Endorsement.objects.filter(endorser=F("user_skill__user")).exists()


def test_manager_hierarchy_leads_to_the_ceo() -> None:
    seed()
    ceo = User.objects.get(username="helene.rousseau")
    managers = dict(Profile.objects.values_list("user_id", "manager_id"))
    guest = User.objects.get(role=Role.GUEST)
    without_manager = {user for user, manager in managers.items() if manager is None}
    assert without_manager == {ceo.pk, guest.pk}
    for user_id in managers:
        if user_id == guest.pk:
            continue
        seen = set()
        current = user_id
        while managers[current] is not None:
            assert current not in seen, "a cycle in the hierarchy"
            seen.add(current)
            current = managers[current]
        assert current == ceo.pk
    # Department heads report to the CEO and have reports of their own.
    francois = User.objects.get(username="francois.girard")
    assert managers[francois.pk] == ceo.pk
    assert Profile.objects.filter(manager=francois).count() >= 4


def test_second_run_creates_nothing() -> None:
    seed()
    before = table_counts()
    output = seed()
    assert "already loaded" in output
    assert table_counts() == before


def test_an_existing_organisation_name_is_kept() -> None:
    Organisation.objects.create(pk=1, name="Ma Société")
    seed()
    assert Organisation.objects.get(pk=1).name == "Ma Société"


def test_admin_and_demo_people_log_in_with_the_documented_password(client: Client) -> None:
    seed()
    assert login_hint.DEMO_LOGIN == demo_data.ADMIN_USERNAME
    assert login_hint.DEMO_PASSWORD == DEMO_PASSWORD
    assert client.login(username="admin", password="cercle-demo")
    client.logout()
    # The person login_hint names exists.
    assert User.objects.filter(username="camille.martin").exists()
    # By email, through allauth's form: the verified primary EmailAddress rows make it work.
    response = client.post(
        reverse("account_login"),
        {"login": "camille.martin@atelier-lumen.fr", "password": "cercle-demo"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="camille.martin").pk)
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 61
    assert not client.login(username="camille.martin", password="wrong password")


def test_people_are_found_by_unaccented_name_and_skill() -> None:
    seed()
    helene = User.objects.get(username="helene.rousseau")
    assert "helene" in helene.profile.search_text
    assert Profile.objects.filter(search_text__contains="helene", user=helene).exists()
    assert search("helene") == {"helene.rousseau"}
    # A skill, typed without its accent: Comptabilité.
    assert {"elodie.faure", "sophie.perrin"} <= search("comptabilite")
    # A two-word query: first name and site.
    assert search("loic grenoble") == {"loic.le-gall"}
    for profile in Profile.objects.select_related("user"):
        assert profile.sort_name == normalize(f"{profile.user.last_name} {profile.user.first_name}")


def test_demo_usernames_are_ascii() -> None:
    assert demo_username("Loïc", "Le Gall") == "loic.le-gall"
    assert demo_username("Hélène", "Rousseau") == "helene.rousseau"
    usernames = [demo_username(p.first_name, p.last_name) for p in demo_data.PEOPLE]
    assert len(set(usernames)) == len(usernames) == 60
    assert all(name.isascii() for name in usernames)


def test_scale_creates_people_with_skills_endorsements_and_search_text() -> None:
    output = seed("--scale", "500", "--batch-size", "120")
    assert "500 people" in output
    scale = Profile.objects.filter(user__username__startswith="scale-")
    assert scale.count() == 500
    assert User.objects.filter(username__startswith="scale-").count() == 500
    skill_counts = list(
        User.objects.filter(username__startswith="scale-")
        .annotate(n=Count("skills"))
        .values_list("n", flat=True)
    )
    assert min(skill_counts) >= 3 and max(skill_counts) <= 8
    assert Skill.objects.count() >= 190
    assert Endorsement.objects.filter(user_skill__user__username__startswith="scale-").count() > 500
    assert_endorsement_counts_right()
    assert not scale.filter(search_text="").exists()
    assert not scale.filter(department=None).exists()
    assert not scale.filter(site=None).exists()
    # Everyone has a manager: the department roots report to the demo department heads.
    assert not scale.filter(manager=None).exists()
    heads = set(
        scale.exclude(manager__username__startswith="scale-").values_list(
            "manager__username", flat=True
        )
    )
    assert heads <= {demo_username(p.first_name, p.last_name) for p in demo_data.PEOPLE}
    profile = scale.select_related("user").first()
    assert profile is not None
    assert normalize(profile.user.first_name) in profile.search_text
    skill_name = normalize(profile.user.skills.first().skill.name)  # type: ignore[union-attr]
    assert skill_name in profile.search_text
    assert search(profile.user.username) == {profile.user.username}
    # Scale people log in with the same password, by username.
    assert Client().login(username="scale-000001", password="cercle-demo")


def test_scale_is_idempotent_and_extends() -> None:
    seed("--scale", "200")
    before = table_counts()
    seed("--scale", "200")
    assert table_counts() == before
    seed("--scale", "260", "--batch-size", "50")
    assert User.objects.filter(username__startswith="scale-").count() == 260
    assert User.objects.filter(username="scale-000260").exists()
    assert_endorsement_counts_right()


def test_scale_people_do_not_depend_on_the_batch_size() -> None:
    seed_scale_people(count=30, batch_size=7)
    first = list(
        Profile.objects.filter(user__username__startswith="scale-")
        .order_by("user__username")
        .values_list("user__first_name", "user__last_name", "job_title", "search_text")
    )
    User.objects.filter(username__startswith="scale-").delete()
    seed_scale_people(count=30, batch_size=1000)
    second = list(
        Profile.objects.filter(user__username__startswith="scale-")
        .order_by("user__username")
        .values_list("user__first_name", "user__last_name", "job_title", "search_text")
    )
    assert first == second


def test_bad_options_are_refused() -> None:
    with pytest.raises(CommandError):
        seed("--scale", "-1")
    with pytest.raises(CommandError):
        seed("--scale", "10", "--batch-size", "0")

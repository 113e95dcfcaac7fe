"""Profile actions: fields, HR lock, manager rules, skills, endorsements, follows, audit."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from cercle.accounts.actions import profiles as actions
from cercle.accounts.models import Endorsement, Follow, Organisation, Profile, Skill, UserSkill
from cercle.audit.models import AuditEntry
from tests.factories import make_admin, make_department, make_guest, make_site, make_user

pytestmark = pytest.mark.django_db


def _lock_hr_fields() -> None:
    from django.core.cache import cache

    Organisation.objects.update_or_create(pk=1, defaults={"lock_hr_fields": True})
    cache.clear()


def test_update_profile_changes_fields_renders_bio_and_refreshes_search() -> None:
    person = make_user(first_name="Hélène", last_name="Dupont")
    department = make_department("Comptabilité")
    site = make_site("Lyon Part-Dieu")
    actions.update_profile(
        actor=person,
        person=person,
        changes={
            "job_title": "Contrôleuse de gestion",
            "department": department,
            "site": site,
            "team": "Clôture",
            "bio": "I **love** spreadsheets <script>alert(1)</script>",
            "languages": "Français, English, français",
            "ask_me_about": ["IFRS", "  Trésorerie  "],
        },
    )
    profile = Profile.objects.get(user=person)
    assert profile.job_title == "Contrôleuse de gestion"
    assert profile.department == department
    assert "<strong>love</strong>" in profile.bio_html
    assert "<script" not in profile.bio_html
    assert profile.languages == ["Français", "English"]
    assert profile.ask_me_about == ["IFRS", "Trésorerie"]
    for word in (
        "helene",
        "dupont",
        "controleuse",
        "comptabilite",
        "lyon",
        "cloture",
        "tresorerie",
    ):
        assert word in profile.search_text.split()


def test_changing_the_name_updates_sort_name_and_search_text() -> None:
    person = make_user(first_name="Anne", last_name="Martin")
    actions.update_profile(
        actor=person, person=person, changes={"first_name": "Zoé", "last_name": "Éluard"}
    )
    profile = Profile.objects.get(user=person)
    assert profile.sort_name == "eluard zoe"
    assert "zoe" in profile.search_text.split()
    assert "anne" not in profile.search_text.split()


def test_another_member_cannot_edit_a_profile() -> None:
    person, other = make_user(), make_user()
    with pytest.raises(PermissionDenied):
        actions.update_profile(actor=other, person=person, changes={"team": "X"})
    assert Profile.objects.get(user=person).team == ""


def test_text_too_long_is_a_field_error_and_nothing_is_written() -> None:
    person = make_user()
    with pytest.raises(ValidationError) as error:
        actions.update_profile(
            actor=person, person=person, changes={"team": "New team", "job_title": "x" * 151}
        )
    assert "job_title" in error.value.message_dict
    assert Profile.objects.get(user=person).team == ""


def test_admin_edit_of_someone_else_is_audited_with_old_and_new_values() -> None:
    admin = make_admin()
    person = make_user()
    actions.update_profile(
        actor=admin, person=person, changes={"job_title": "Directrice", "team": ""}
    )
    entry = AuditEntry.objects.get(action="accounts.profile_changed")
    assert entry.actor == admin
    assert entry.target_id == str(person.pk)
    assert entry.old_value == {"job_title": ""}
    assert entry.new_value == {"job_title": "Directrice"}


def test_own_edit_is_not_audited() -> None:
    person = make_user()
    actions.update_profile(actor=person, person=person, changes={"job_title": "Chef"})
    assert not AuditEntry.objects.filter(action="accounts.profile_changed").exists()


def test_hr_lock_refuses_members_but_not_admins() -> None:
    _lock_hr_fields()
    person = make_user()
    with pytest.raises(PermissionDenied):
        actions.update_profile(actor=person, person=person, changes={"job_title": "CEO"})
    # Other fields stay editable, and sending an HR field unchanged is fine.
    actions.update_profile(actor=person, person=person, changes={"team": "A", "job_title": ""})
    admin = make_admin()
    actions.update_profile(actor=admin, person=person, changes={"job_title": "CEO"})
    assert Profile.objects.get(user=person).job_title == "CEO"


def test_manager_cannot_be_oneself_nor_make_a_cycle_nor_be_deactivated() -> None:
    boss, middle, person = make_user(), make_user(), make_user()
    actions.update_profile(actor=middle, person=middle, changes={"manager": boss})
    actions.update_profile(actor=person, person=person, changes={"manager": middle})
    with pytest.raises(ValidationError) as own:
        actions.update_profile(actor=person, person=person, changes={"manager": person})
    assert "manager" in own.value.message_dict
    with pytest.raises(ValidationError) as cycle:
        actions.update_profile(actor=boss, person=boss, changes={"manager": person})
    assert "manager" in cycle.value.message_dict
    gone = make_user(is_active=False)
    with pytest.raises(ValidationError):
        actions.update_profile(actor=boss, person=boss, changes={"manager": gone})
    assert Profile.objects.get(user=boss).manager is None


def test_unknown_field_is_refused() -> None:
    person = make_user()
    with pytest.raises(ValidationError):
        actions.update_profile(actor=person, person=person, changes={"search_text": "hack"})


def test_skills_are_shared_by_normalised_name_and_indexed() -> None:
    anne, bob = make_user(), make_user()
    first = actions.add_skill(actor=anne, person=anne, name="Comptabilité", level=3)
    second = actions.add_skill(actor=bob, person=bob, name="comptabilite", level=1)
    assert first.skill_id == second.skill_id
    assert Skill.objects.count() == 1
    assert "comptabilite" in Profile.objects.get(user=bob).search_text.split()
    # Adding it again changes the level, it does not duplicate.
    again = actions.add_skill(actor=bob, person=bob, name="COMPTABILITÉ", level=4)
    assert again.pk == second.pk and again.level == 4
    actions.set_skill_level(actor=bob, user_skill=again, level=2)
    assert UserSkill.objects.get(pk=again.pk).level == 2
    actions.remove_skill(actor=bob, user_skill=again)
    assert not UserSkill.objects.filter(pk=again.pk).exists()
    assert "comptabilite" not in Profile.objects.get(user=bob).search_text.split()


@pytest.mark.parametrize("level", [0, 5, -1, "3", True, None])
def test_skill_level_must_be_1_to_4(level: object) -> None:
    person = make_user()
    with pytest.raises(ValidationError):
        actions.add_skill(actor=person, person=person, name="Python", level=level)  # type: ignore[arg-type]
    assert not UserSkill.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "--"])
def test_bad_skill_names_are_refused(name: str) -> None:
    person = make_user()
    with pytest.raises(ValidationError):
        actions.add_skill(actor=person, person=person, name=name, level=2)


def test_others_cannot_add_skills_to_someone() -> None:
    person, other = make_user(), make_user()
    with pytest.raises(PermissionDenied):
        actions.add_skill(actor=other, person=person, name="Python", level=2)
    admin = make_admin()
    actions.add_skill(actor=admin, person=person, name="Python", level=2)
    assert AuditEntry.objects.filter(action="accounts.profile_changed").count() == 1


def test_endorse_and_withdraw_keep_the_count_right() -> None:
    person, a, b = make_user(), make_user(), make_user()
    user_skill = actions.add_skill(actor=person, person=person, name="Python", level=4)
    assert actions.endorse_skill(actor=a, user_skill=user_skill) is True
    assert actions.endorse_skill(actor=a, user_skill=user_skill) is False  # once per colleague
    actions.endorse_skill(actor=b, user_skill=user_skill)
    assert UserSkill.objects.get(pk=user_skill.pk).endorsement_count == 2
    assert user_skill.endorsement_count == 2
    assert actions.withdraw_endorsement(actor=a, user_skill=user_skill) is True
    assert actions.withdraw_endorsement(actor=a, user_skill=user_skill) is False
    assert UserSkill.objects.get(pk=user_skill.pk).endorsement_count == 1
    assert Endorsement.objects.filter(user_skill=user_skill).count() == 1


def test_cannot_endorse_oneself_nor_as_guest_nor_a_deactivated_person() -> None:
    person = make_user()
    user_skill = actions.add_skill(actor=person, person=person, name="Python", level=4)
    with pytest.raises(PermissionDenied):
        actions.endorse_skill(actor=person, user_skill=user_skill)
    with pytest.raises(PermissionDenied):
        actions.endorse_skill(actor=make_guest(), user_skill=user_skill)
    person.is_active = False
    person.save()
    with pytest.raises(PermissionDenied):
        actions.endorse_skill(actor=make_user(), user_skill=user_skill)
    assert UserSkill.objects.get(pk=user_skill.pk).endorsement_count == 0


def test_follow_and_unfollow() -> None:
    a, b = make_user(), make_user()
    assert actions.follow_person(actor=a, person=b) is True
    assert actions.follow_person(actor=a, person=b) is False
    assert Follow.objects.filter(follower=a, followed=b).count() == 1
    with pytest.raises(PermissionDenied):
        actions.follow_person(actor=a, person=a)
    assert actions.unfollow_person(actor=a, person=b) is True
    assert not Follow.objects.exists()


def _png_bytes(size: tuple[int, int] = (800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_update_profile_with_a_photo_stores_a_resized_copy(
    settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    person = make_user()
    actions.update_profile(
        actor=person, person=person, changes={"team": "Photo"}, photo=io.BytesIO(_png_bytes())
    )
    profile = Profile.objects.get(user=person)
    assert profile.team == "Photo"
    with profile.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (512, 512)
    # Removing it.
    actions.update_profile(actor=person, person=person, changes={}, remove_photo=True)
    assert not Profile.objects.get(user=person).photo


def test_a_bad_photo_writes_nothing(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    person = make_user()
    with pytest.raises(ValidationError) as error:
        actions.update_profile(
            actor=person,
            person=person,
            changes={"team": "Should not be saved"},
            photo=io.BytesIO(b"just some text, not an image"),
        )
    assert "photo" in error.value.message_dict
    profile = Profile.objects.get(user=person)
    assert profile.team == "" and not profile.photo

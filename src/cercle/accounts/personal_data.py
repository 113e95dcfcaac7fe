"""People's own data in the registry of personal data (`cercle.core.personal_data`): the profile,
skills, follows and sign-in records; the erasure that turns the person into a "Former colleague".

The account's row stays (what others kept, and the audit log, point to it) but holds nothing of
the person any more: no name, username, email address, photo, profile, password or session."""

from __future__ import annotations

from functools import partial

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from cercle.accounts.models import (
    ApiToken,
    Endorsement,
    Follow,
    Invitation,
    Profile,
    Role,
    SpokenLanguage,
    User,
    UserSkill,
)
from cercle.accounts.search import build_search_text, build_sort_name
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter, IndexRow, vcard


def former_colleague_name() -> str:
    """The name an erased person reads as, in the organisation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Former colleague")


ERASED_EMAIL_DOMAIN = "erased.invalid"


def is_erased(person: User) -> bool:
    """Whether the person's personal data was erased (`erase` gives them this address)."""
    return person.email.endswith(f"@{ERASED_EMAIL_DOMAIN}")


def erased_username(person: User) -> str:
    return f"former-{person.pk}"


def export(person: User, writer: ExportWriter) -> None:
    profile = (
        Profile.objects.select_related("department", "site", "manager").filter(user=person).first()
    )
    skills = list(
        UserSkill.objects.filter(user=person).select_related("skill").order_by("skill__name")
    )
    followed = list(
        User.objects.filter(followers__follower=person)
        .select_related("profile")
        .order_by("last_name", "first_name")
    )
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "role": person.role,
        "language": person.language,
        "time_zone": person.time_zone,
        "date_joined": person.date_joined,
        "last_login": person.last_login,
        "profile": None
        if profile is None
        else {
            "job_title": profile.job_title,
            "department": profile.department.name if profile.department else "",
            "team": profile.team,
            "site": profile.site.name if profile.site else "",
            "phone": profile.phone,
            "manager": profile.manager.display_name if profile.manager else "",
            "languages": profile.languages,
            "about_me": profile.bio,
            "ask_me_about": profile.ask_me_about,
        },
        "skills": [
            {
                "name": item.skill.name,
                "level": item.level,
                "endorsements": item.endorsement_count,
            }
            for item in skills
        ],
        "following": [other.username for other in followed],
        "api_tokens": list(
            ApiToken.objects.filter(user=person).values("name", "created_at", "last_used_at")
        ),
    }
    section = writer.section("profile", gettext_lazy("Profile"))
    path = writer.write_json("profile/profile.json", data)
    writer.add_row(section, IndexRow(text=person.display_name, link=path))
    if profile is not None and profile.photo.name:
        photo = writer.write_file(
            f"profile/photo{_extension(profile.photo.name)}", default_storage, profile.photo.name
        )
        if photo:
            writer.add_row(section, IndexRow(text=gettext("Photo"), link=photo))
    if followed:
        cards = "".join(
            vcard(
                name=other.display_name,
                email=other.email,
                phone=getattr(getattr(other, "profile", None), "phone", ""),
                title=getattr(getattr(other, "profile", None), "job_title", ""),
            )
            for other in followed
        )
        path = writer.write_text("profile/people-i-follow.vcf", cards)
        writer.add_row(
            section,
            IndexRow(text=gettext("People I follow (contacts, vCard)"), link=path),
        )


def _extension(name: str) -> str:
    _stem, dot, extension = name.rpartition(".")
    return f".{extension.lower()}" if dot else ""


def erase(person: User, rule: ErasureRule) -> None:
    profile = Profile.objects.filter(user=person).first()
    name = former_colleague_name()
    username = erased_username(person)
    if profile is not None:
        if profile.photo.name:
            transaction.on_commit(partial(default_storage.delete, profile.photo.name))
        for field in ("job_title", "team", "phone", "bio", "bio_html"):
            setattr(profile, field, "")
        profile.photo = ""
        profile.department = None
        profile.site = None
        profile.manager = None
        profile.languages = []
        profile.ask_me_about = []
        profile.search_text = build_search_text(first_name=name, last_name="", username=username)
        profile.sort_name = build_sort_name(first_name=name, last_name="", username=username)
        profile.save()
    Profile.objects.filter(manager=person).update(manager=None)
    UserSkill.objects.filter(user=person).delete()
    Endorsement.objects.filter(endorser=person).delete()
    SpokenLanguage.objects.filter(user=person).delete()
    Follow.objects.filter(follower=person).delete()
    Follow.objects.filter(followed=person).delete()
    ApiToken.objects.filter(user=person).delete()
    Invitation.objects.filter(user=person).delete()
    EmailAddress.objects.filter(user=person).delete()
    Authenticator.objects.filter(user=person).delete()
    UserSession.objects.filter(user=person).delete()
    person.username = username
    person.first_name = name
    person.last_name = ""
    person.email = f"{username}@{ERASED_EMAIL_DOMAIN}"
    person.password = make_password(None)
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    person.role = Role.MEMBER
    person.last_login = None
    person.deactivated_at = person.deactivated_at or timezone.now()
    person.save()
    # Django's admin keeps its own log of edits, naming the object as it read then.
    LogEntry.objects.filter(
        content_type__app_label="accounts",
        content_type__model__in=["user", "profile"],
        object_id=str(person.pk),
    ).update(object_repr=name)
    if connection.vendor == "sqlite":
        # The directory's FTS5 index keeps a deleted row's words in its segments until they are
        # merged: merge now, so that the old name is in no page of the database file.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_profile_fts(accounts_profile_fts) VALUES('optimize')"
            )


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="accounts",
            label=gettext_lazy("Profile"),
            export=export,
            erase=erase,
            order=1000,
        )
    )

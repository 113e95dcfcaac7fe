"""People: accounts, profiles, departments and sites, skills and endorsements, follows, API tokens.

`User` holds what authentication and authorisation need; `Profile` what colleagues see.
Derived search columns (`Profile.search_text`, `UserSkill.endorsement_count`) are kept up to date
by the actions that change their sources.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from cercle.core.models import TimeStampedModel


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    STAFF = "staff", _("Communication/HR team")
    MEMBER = "member", _("Member")
    # "External guest", never "Guest": "Invited" is a status of the people list (issue 17).
    GUEST = "guest", _("External guest")


class PersonManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        """`manage.py createsuperuser` makes an administrator of Cercle, not only of Django."""
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    # Empty: the browser's language.
    language = models.CharField(
        _("language"), max_length=8, blank=True, default="", choices=settings.LANGUAGES
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[PersonManager] = PersonManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # The directory sorted by "recently joined", with a stable tie-break.
            models.Index(fields=["-date_joined", "-id"], name="user_recently_joined"),
            # Addresses and usernames are compared without case: `email__iexact` (sign-in,
            # SCIM and LDAP creations, invitations) is UPPER(…) = UPPER(…), the batches' checks
            # LOWER(…) IN (…). Without these, each was a scan of every account (66 ms at 100,000).
            models.Index(Upper("email"), name="user_email_upper"),
            models.Index(Lower("email"), name="user_email_lower"),
            models.Index(Upper("username"), name="user_username_upper"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_org_staff(self) -> bool:
        """Communication and HR people who publish to everyone (admins may too)."""
        return self.is_active and self.role in {Role.ADMIN, Role.STAFF}

    @property
    def is_guest(self) -> bool:
        return self.role == Role.GUEST


class Department(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent department"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Site(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    city = models.CharField(_("city"), max_length=120, blank=True, default="")
    address = models.TextField(_("address"), blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE)
    photo = models.ImageField(_("photo"), upload_to="photos/%Y/%m/", blank=True, default="")
    job_title = models.CharField(_("job title"), max_length=150, blank=True, default="")
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
        verbose_name=_("department"),
    )
    team = models.CharField(_("team"), max_length=120, blank=True, default="")
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
        verbose_name=_("site"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    manager = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_report_profiles",
        verbose_name=_("manager"),
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    bio = models.TextField(_("about me"), blank=True, default="")
    bio_html = models.TextField(blank=True, default="")
    ask_me_about = models.JSONField(_("ask me about"), default=list, blank=True)
    # Normalised (accent-free, lower-case) name, title, department, team, site and skills.
    search_text = models.TextField(blank=True, default="")
    # Normalised "last first" for sorting the directory by name.
    sort_name = models.CharField(max_length=320, blank=True, default="", db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        indexes = [
            # The directory by name, whole or within a department or site, read in index order
            # (keyset pagination on sort_name, user).
            models.Index(fields=["sort_name", "user"], name="profile_by_name"),
            models.Index(fields=["department", "sort_name", "user"], name="profile_dept_by_name"),
            models.Index(fields=["site", "sort_name", "user"], name="profile_site_by_name"),
            models.Index(fields=["manager", "sort_name", "user"], name="profile_reports_by_name"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=80)
    # Accent- and case-free form, so "Comptabilité" and "comptabilite" are one skill.
    normalized_name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class SkillLevel(models.IntegerChoices):
    BEGINNER = 1, _("beginner")
    INTERMEDIATE = 2, _("intermediate")
    ADVANCED = 3, _("advanced")
    EXPERT = 4, _("expert")


class UserSkill(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=SkillLevel.choices,
        default=SkillLevel.INTERMEDIATE,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    endorsement_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "skill"], name="unique_user_skill"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="user_skill_level_1_to_4"
            ),
        ]
        indexes = [
            # The expert finder: holders of one skill, best first.
            models.Index(
                fields=["skill", "-level", "-endorsement_count", "user"], name="expert_rank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.skill}"


class Endorsement(models.Model):
    user_skill = models.ForeignKey(UserSkill, on_delete=models.CASCADE, related_name="endorsements")
    endorser = models.ForeignKey(User, on_delete=models.CASCADE, related_name="endorsements_given")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_skill", "endorser"], name="one_endorsement_per_colleague"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endorser} → {self.user_skill}"


class SpokenLanguage(models.Model):
    """A language a person speaks, by key (`cercle.accounts.languages.language_key`): derived
    from `Profile.languages` by `cercle.accounts.search.refresh_search_columns`, so that the
    expert finder finds the speakers of a language through an index."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="spoken_languages")
    key = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_spoken_language"),
        ]
        indexes = [models.Index(fields=["key", "user"], name="speakers_of_language")]

    def __str__(self) -> str:
        return f"{self.user} · {self.key}"


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="unique_follow"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="no_self_follow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower} → {self.followed}"


class ApiToken(models.Model):
    """A personal access token; only its SHA-256 is stored, the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Invitation(models.Model):
    """An invitation: the person exists from the start; the link lets them set a password."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="invitation")
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user.email}"


colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Organisation(models.Model):
    """One row (pk=1): read through `accounts.queries.get_organisation`, which caches it.

    Changed by the IT department (`administration.actions.update_organisation`); its table keeps
    the name it had when the model lived in `administration`."""

    name = models.CharField(_("name"), max_length=120, default="Cercle")
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True, default="")
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1f5fae", validators=[colour_validator]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#e0711c", validators=[colour_validator]
    )
    lock_hr_fields = models.BooleanField(
        _("only admins edit job title, department and manager"), default=False
    )
    # Off when sign-in addresses come from the company directory: people cannot add, remove or
    # change their sign-in email themselves (accounts.queries.may_change_email).
    email_changes_allowed = models.BooleanField(
        _("people may change their sign-in email address"), default=True
    )
    # Comma-separated email domains whose people may sign up by themselves; empty: invitation only.
    signup_domains = models.TextField(
        _("sign-up allowed for these email domains"), blank=True, default=""
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "administration_organisation"
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")

    def __str__(self) -> str:
        return self.name

    @property
    def signup_domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.signup_domains.split(",") if d.strip()]

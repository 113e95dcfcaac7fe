"""Every write of the company directory: its settings and group rules (by administrators), and
the synchronisation, which creates, updates and deactivates people with the accounts' own
actions (a person created from the directory is invited without a mail, exactly as SCIM does;
deactivation ends their sessions and closes their sockets) in the name of an administrator.

Safe by construction: a run whose search finds nobody, or that would deactivate more than the
configured share of the directory's people (or finds far fewer people than the last run),
deactivates nobody, says why in its report and alerts the administrators.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.actions import identity as identity_actions
from cercle.accounts.actions import people as people_actions
from cercle.accounts.actions import profiles as profile_actions
from cercle.accounts.models import Department, Profile, Site, User
from cercle.accounts.queries import may_manage_settings
from cercle.audit.actions import log_event, log_events
from cercle.core import sealing
from cercle.core.mail import absolute_url
from cercle.directory import queries, reader
from cercle.directory.models import (
    DirectoryMembership,
    DirectoryPerson,
    DirectorySettings,
    GroupRule,
    Preset,
    RuleKind,
    RunStatus,
    SyncRun,
)
from cercle.notifications.actions import notify_many
from cercle.spaces import actions as space_actions
from cercle.spaces.models import Membership, Space

logger = logging.getLogger(__name__)

REPORT_LIMIT = 200
PROGRESS_EVERY = 100
CREATE_BATCH = 500  # new people written at once, one transaction each
UPDATE_BATCH = 500  # changed people read and written at once, one transaction each
ACTIVATION_BATCH = 500  # people deactivated or reactivated at once, one transaction each
MEMBERSHIP_BATCH = 500  # space memberships added or removed at once, per space
ALERT_KIND = "directory_alert"
# DirectorySettings.bind_password's column.
BIND_PASSWORD_COLUMN_LENGTH = 500


def _require_admin(actor: User) -> None:
    if not may_manage_settings(actor):
        raise PermissionDenied(_("Only administrators manage the company directory."))


# --- Settings and rules -----------------------------------------------------------------------


def _audit_settings(row: DirectorySettings) -> dict[str, Any]:
    """What the audit log keeps: everything but the password."""
    return {
        "enabled": row.enabled,
        "server_uri": row.server_uri,
        "bind_dn": row.bind_dn,
        "user_base_dn": row.user_base_dn,
        "user_filter": row.user_filter,
        "group_base_dn": row.group_base_dn,
        "group_filter": row.group_filter,
        "preset": row.preset,
        "attribute_map": row.attribute_map,
        "max_deactivation_percent": row.max_deactivation_percent,
    }


def _check_filter(name: str, value: str) -> str:
    value = value.strip()
    if value and (not value.startswith("(") or value.count("(") != value.count(")")):
        raise ValidationError(
            {name: _("Write an LDAP filter in parentheses, e.g. (objectClass=person).")}
        )
    return value


@transaction.atomic
def save_settings(
    *,
    actor: User,
    enabled: bool,
    server_uri: str,
    bind_dn: str,
    bind_password: str,
    user_base_dn: str,
    user_filter: str = "",
    group_base_dn: str = "",
    group_filter: str = "",
    preset: str = Preset.OPENLDAP,
    attribute_map: dict[str, str] | None = None,
    start_tls: bool = False,
    max_deactivation_percent: int = 10,
    request: HttpRequest | None = None,
) -> DirectorySettings:
    """Set the connection; an empty `bind_password` keeps the stored one."""
    _require_admin(actor)
    server_uri = server_uri.strip()
    if server_uri and not server_uri.startswith(("ldap://", "ldaps://")):
        raise ValidationError(
            {"server_uri": _("Enter an address starting with ldap:// or ldaps://.")}
        )
    if enabled and not (server_uri and user_base_dn.strip()):
        raise ValidationError(_("Give the server address and the base DN of people first."))
    if preset not in Preset.values:
        raise ValidationError({"preset": _("Choose the directory's kind.")})
    if not 0 <= max_deactivation_percent <= 100:
        raise ValidationError({"max_deactivation_percent": _("Give a share between 0 and 100 %.")})
    cleaned_map: dict[str, str] = {}
    for name, value in (attribute_map or {}).items():
        value = str(value or "").strip()
        if name not in reader.ATTRIBUTES:
            raise ValidationError(
                {"attribute_map": _("Unknown attribute: %(name)s") % {"name": name}}
            )
        if value:
            if any(
                not (part.strip().replace("-", "").replace(";", "").isalnum())
                for part in value.split(",")
            ):
                raise ValidationError(
                    {"attribute_map": _("“%(value)s” is not an attribute name.") % {"value": value}}
                )
            cleaned_map[name] = value[:200]
    row = DirectorySettings.objects.select_for_update().filter(pk=1).first() or DirectorySettings(
        pk=1
    )
    old = _audit_settings(row) if row.server_uri else None
    row.enabled = enabled
    row.server_uri = server_uri
    row.bind_dn = bind_dn.strip()
    if bind_password:
        # Sealed at rest (cercle.core.sealing); `queries.config_of` opens it.
        if sealing.sealed_length(bind_password) > BIND_PASSWORD_COLUMN_LENGTH:
            raise ValidationError({"bind_password": _("This password is too long.")})
        row.bind_password = sealing.seal(bind_password)
    row.user_base_dn = user_base_dn.strip()
    row.user_filter = _check_filter("user_filter", user_filter)
    row.group_base_dn = group_base_dn.strip()
    row.group_filter = _check_filter("group_filter", group_filter)
    row.preset = preset
    row.attribute_map = cleaned_map
    row.start_tls = start_tls
    row.max_deactivation_percent = max_deactivation_percent
    row.updated_by = actor
    row.save()
    log_event(
        actor=actor,
        action="directory.settings_saved",
        old=old,
        new=_audit_settings(row),
        request=request,
    )
    return row


@dataclass
class ConnectionTest:
    ok: bool
    message: str
    active_directory: bool = False
    sample_dn: str = ""
    mapped: list[tuple[str, str, str]] = field(default_factory=list)  # (attribute, names, value)
    people_seen: int = 0


def test_connection(*, actor: User) -> ConnectionTest:
    """Bind, read the first few people, show how the first one maps (nothing is written)."""
    _require_admin(actor)
    config = queries.config_of(queries.stored_settings())
    if not config.server_uri:
        return ConnectionTest(False, _("Give the server address first."))
    try:
        conn = reader.connect(config)
        try:
            ad = reader.is_active_directory(conn)
            sample = None
            seen = 0
            for entry in reader.paged(
                conn, config.user_base_dn, config.people_filter, config.requested_attributes()
            ):
                seen += 1
                sample = sample or reader.read_person(entry, config)
                if seen >= 5:
                    break
        finally:
            conn.unbind()
    except reader.DirectoryError as error:
        return ConnectionTest(False, _("The directory answered: %(error)s") % {"error": error})
    if sample is None:
        return ConnectionTest(
            True, _("Connected, but the search found nobody: check the base DN and the filter."), ad
        )
    values = {
        "key": sample.key,
        "username": sample.username,
        "email": sample.email,
        "first_name": sample.first_name,
        "last_name": sample.last_name,
        "display_name": sample.display(),
        "job_title": sample.job_title,
        "department": sample.department,
        "site": sample.site,
        "phone": sample.phone,
        "manager": sample.manager_dn,
        "language": sample.language,
        "photo": _("%(size)d bytes") % {"size": len(sample.photo)} if sample.photo else "",
        "disabled": _("yes") if sample.disabled else _("no"),
        "member_of": ", ".join(sample.member_of),
        "group_member": "",
    }
    return ConnectionTest(
        True,
        _("Connected."),
        ad,
        sample.dn,
        [(name, ", ".join(config.names(name)), values[name]) for name in reader.ATTRIBUTES],
        seen,
    )


def _clean_rule(kind: str, group_dn: str, space: Space | None, name: str) -> tuple[str, str]:
    group_dn = group_dn.strip()
    if not group_dn or "=" not in group_dn or len(group_dn) > 500:
        raise ValidationError(
            {"group_dn": _("Give the group's DN, e.g. cn=sales,ou=groups,dc=example,dc=org.")}
        )
    if kind not in RuleKind.values:
        raise ValidationError({"kind": _("Choose what the group gives.")})
    if kind == RuleKind.SPACE and space is None:
        raise ValidationError({"space": _("Choose the space.")})
    if kind != RuleKind.SPACE and not name.strip():
        raise ValidationError({"name": _("Give the department's or site's name.")})
    return group_dn, name.strip()[:120]


@transaction.atomic
def add_rule(
    *,
    actor: User,
    group_dn: str,
    kind: str,
    space: Space | None = None,
    name: str = "",
    request: HttpRequest | None = None,
) -> GroupRule:
    _require_admin(actor)
    group_dn, name = _clean_rule(kind, group_dn, space, name)
    if space is not None and space.is_organisation:
        raise ValidationError(
            {"space": _("Everyone is already in the whole organisation's space.")}
        )
    rule = GroupRule.objects.create(
        group_dn=group_dn, kind=kind, space=space if kind == RuleKind.SPACE else None, name=name
    )
    log_event(
        actor=actor,
        action="directory.rule_added",
        new={"group_dn": group_dn, "kind": kind, "space": space.name if space else name},
        request=request,
    )
    return rule


@transaction.atomic
def delete_rule(*, actor: User, rule: GroupRule, request: HttpRequest | None = None) -> None:
    """The rule goes; the memberships it gave stay until the next run finds no rule for them."""
    _require_admin(actor)
    old = {
        "group_dn": rule.group_dn,
        "kind": rule.kind,
        "space": rule.space.name if rule.space else rule.name,
    }
    rule.delete()
    log_event(actor=actor, action="directory.rule_deleted", old=old, request=request)


# --- Runs -------------------------------------------------------------------------------------


def start_run(
    *, actor: User | None, dry_run: bool = False, request: HttpRequest | None = None
) -> SyncRun:
    """Queue a run (background task); refused while another one is waiting or running."""
    if actor is not None:
        _require_admin(actor)
    if queries.config() is None:
        raise ValidationError(_("Configure the directory first."))
    with transaction.atomic():
        current = queries.running()
        if current is not None:
            raise ValidationError(_("A synchronisation is already running."))
        run = SyncRun.objects.create(dry_run=dry_run, requested_by=actor)
        if actor is not None:
            log_event(
                actor=actor,
                action="directory.run_started",
                extra={"run": run.pk, "dry_run": dry_run},
                request=request,
            )
    from cercle.directory.tasks import run_directory_sync  # the task imports these actions

    transaction.on_commit(lambda: run_directory_sync.enqueue(run_id=run.pk))
    return run


@dataclass
class _Plan:
    create: list[reader.PersonEntry] = field(default_factory=list)
    update: list[tuple[int, reader.PersonEntry, bool]] = field(
        default_factory=list
    )  # photo changed
    reactivate: list[int] = field(default_factory=list)
    deactivate: list[int] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    seen_keys: set[str] = field(default_factory=set)
    dn_to_user: dict[str, int] = field(default_factory=dict)
    pending_dn: dict[str, str] = field(default_factory=dict)  # DN → key of an entry to create
    managers: dict[str, str] = field(default_factory=dict)  # key → manager's DN (changed entries)
    found: int = 0


def _refuse(plan: _Plan, entry: reader.PersonEntry, reason: str) -> None:
    plan.refused.append({"entry": entry.username or entry.dn, "dn": entry.dn, "reason": reason})


def _plan(run: SyncRun, entries: Iterable[reader.PersonEntry]) -> _Plan:
    plan = _Plan()
    existing = {
        row["key"]: row
        for row in DirectoryPerson.objects.values(
            "key",
            "user_id",
            "digest",
            "photo_digest",
            "user__is_active",
            "deactivated_by_sync",
            "user__email",
        )
    }
    emails: dict[str, str] = {}
    for entry in entries:
        plan.found += 1
        if plan.found % 1000 == 0:
            SyncRun.objects.filter(pk=run.pk).update(found=plan.found)
        if entry.key in plan.seen_keys:
            _refuse(plan, entry, _("Another entry has the same identifier."))
            continue
        try:
            validate_email(entry.email)
        except ValidationError:
            _refuse(plan, entry, _("No valid email address."))
            continue
        if entry.email in emails:
            _refuse(
                plan,
                entry,
                _("Another entry has the same email address (%(other)s).")
                % {"other": emails[entry.email]},
            )
            continue
        emails[entry.email] = entry.username or entry.dn
        row = existing.get(entry.key)
        if entry.disabled:
            # Disabled in the directory: not created, deactivated below like a removed one.
            if row is None:
                _refuse(plan, entry, _("Disabled in the directory: not created."))
            continue
        plan.seen_keys.add(entry.key)
        dn = reader.normalise_dn(entry.dn)
        if row is None:
            plan.pending_dn[dn] = entry.key
            plan.create.append(entry)
            if entry.manager_dn:
                plan.managers[entry.key] = entry.manager_dn
            continue
        plan.dn_to_user[dn] = row["user_id"]
        if not row["user__is_active"]:
            if row["deactivated_by_sync"]:
                plan.reactivate.append(row["user_id"])
            else:
                _refuse(plan, entry, _("Deactivated by an administrator in Cercle: left as it is."))
                continue
        if row["digest"] != entry.digest():
            # The photo stays until the update is written: the digest stored then counts it
            # (cleared here, it made every changed person with a photo "changed" again at
            # the next run).
            photo_changed = reader.photo_digest(entry.photo) != row["photo_digest"]
            plan.update.append((row["user_id"], entry, photo_changed))
            plan.managers[entry.key] = entry.manager_dn
        else:
            entry.photo = b""
    plan.deactivate = [
        row["user_id"]
        for key, row in existing.items()
        if key not in plan.seen_keys and row["user__is_active"]
    ]
    return plan


def _held_reason(plan: _Plan, config: reader.Config) -> str:
    """Why this run must deactivate nobody ("" when it may)."""
    if not plan.deactivate:
        return ""
    if plan.found == 0:
        return _(
            "The directory's search found nobody: a wrong base DN or filter, an expired bind "
            "password or an outage? Nobody was deactivated."
        )
    active = DirectoryPerson.objects.filter(user__is_active=True).count()
    limit = config.max_deactivation_percent
    if len(plan.deactivate) * 100 > limit * max(active, 1):
        return _(
            "This run would deactivate %(count)d of %(total)d people from the directory, more than "
            "the %(limit)d %% allowed: nobody was deactivated. Check the directory, then raise the "
            "limit for one run if it is right."
        ) % {"count": len(plan.deactivate), "total": active, "limit": limit}
    last = queries.last_applied_run()
    if last is not None and last.found and plan.found * 100 < last.found * (100 - limit):
        return _(
            "The directory's search found %(found)d people, far fewer than the %(last)d of the "
            "last run: nobody was deactivated."
        ) % {"found": plan.found, "last": last.found}
    return ""


class _Progress:
    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.done = 0

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.done % PROGRESS_EVERY < count or self.done == self.run.total:
            SyncRun.objects.filter(pk=self.run.pk).update(done=min(self.done, self.run.total))


def _photo(actor: User, person: User, photo: bytes) -> None:
    upload = io.BytesIO(photo)
    upload.name = "photo.jpg"
    profile_actions.update_profile(actor=actor, person=person, changes={}, photo=upload)


def _identity_values(entry: reader.PersonEntry) -> dict[str, str]:
    return {
        "first_name": entry.first_name,
        "last_name": entry.last_name,
        "job_title": entry.job_title,
        "department": entry.department,
        "site": entry.site,
        "phone": entry.phone,
        "language": entry.language,
    }


def _create(
    actor: User,
    entry: reader.PersonEntry,
    report: dict[str, list[Any]],
    manager_id: int | None = None,
) -> User | None:
    try:
        with transaction.atomic():
            person = User.objects.filter(
                email__iexact=entry.email, directory_person__isnull=True
            ).first()
            adopted = person is not None
            if person is None:
                person = people_actions.invite_person(
                    actor=actor,
                    email=entry.email,
                    first_name=entry.first_name or entry.username,
                    last_name=entry.last_name or entry.username,
                    job_title=entry.job_title[:150],
                    phone=entry.phone[:40],
                    # A manager created before (the directory's order usually has them first)
                    # is set now: no second write of the profile for them.
                    manager=User(pk=manager_id) if manager_id else None,
                    send=False,
                )
            identity_actions.apply_identity_attributes(
                person=person, values=_identity_values(entry), source="ldap"
            )
            DirectoryPerson.objects.create(
                user=person,
                key=entry.key,
                dn=entry.dn[:1000],
                username=entry.username[:255],
                digest=entry.digest(),
                photo_digest=reader.photo_digest(entry.photo),
                seen_at=timezone.now(),
            )
            log_event(
                actor=actor,
                action="directory.person_linked" if adopted else "directory.person_created",
                target=person,
                new={"dn": entry.dn},
            )
    except (ValidationError, PermissionDenied) as error:
        _report_refusal(report, entry.username or entry.dn, entry.dn, error)
        return None
    if entry.photo:
        try:
            _photo(actor, person, entry.photo)
        except (ValidationError, PermissionDenied) as error:
            _report_refusal(report, entry.username, entry.dn, error, _("Photo refused: %(error)s"))
    _add(report, "created", {"name": entry.display(), "email": entry.email, "dn": entry.dn})
    return person


class _Bulk:
    """What the batches of one run share, read once: departments and sites by name, the
    usernames taken."""

    def __init__(self) -> None:
        self.places = identity_actions.Places()
        self.taken = set(User.objects.values_list("username", flat=True))


def _create_batch(
    actor: User,
    batch: list[reader.PersonEntry],
    plan: _Plan,
    report: dict[str, list[Any]],
    bulk: _Bulk,
) -> dict[str, int]:
    """Create a batch of new people as whole as `_create` makes each one, in one transaction
    and a fixed number of queries (the accounts' `create_people`). Entries the bulk path does
    not take (an address already in Cercle: adopted or refused; no name) and every entry of a
    batch the database refused go through `_create` one by one. Returns key → person's id."""
    made: dict[str, int] = {}
    photos: dict[int, bytes] = {}
    emails = [entry.email for entry in batch]
    in_use = set(
        User.objects.annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    ) | set(
        EmailAddress.objects.annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    )
    fresh: list[tuple[reader.PersonEntry, people_actions.NewPerson]] = []
    one_by_one: list[reader.PersonEntry] = []
    for entry in batch:
        columns = identity_actions.identity_columns(_identity_values(entry), bulk.places)
        first = columns["first_name"] or entry.username.strip()[:150]
        last = columns["last_name"] or entry.username.strip()[:150]
        if entry.email in in_use or not (first and last):
            one_by_one.append(entry)
            continue
        fresh.append(
            (
                entry,
                people_actions.NewPerson(
                    email=entry.email,
                    first_name=first,
                    last_name=last,
                    job_title=columns["job_title"],
                    phone=columns["phone"],
                    language=columns["language"],
                    department_id=columns["department_id"],
                    site_id=columns["site_id"],
                    manager_id=(
                        plan.dn_to_user.get(reader.normalise_dn(entry.manager_dn))
                        if entry.manager_dn
                        else None
                    ),
                ),
            )
        )
    if fresh:
        try:
            with transaction.atomic():
                users = _create_fresh(actor, fresh, bulk)
        except (IntegrityError, ValidationError, PermissionDenied):
            logger.warning("directory: a batch was refused, its people made one by one")
            one_by_one = [entry for entry, _row in fresh] + one_by_one
        else:
            for (entry, _row), user in zip(fresh, users, strict=True):
                made[entry.key] = user.pk
                plan.dn_to_user[reader.normalise_dn(entry.dn)] = user.pk
                if entry.photo:
                    photos[user.pk] = entry.photo
                    entry.photo = b""  # the digest is kept: no need of it in memory
                _add(
                    report,
                    "created",
                    {"name": entry.display(), "email": entry.email, "dn": entry.dn},
                )
    if fresh and photos:
        refused = profile_actions.set_new_people_photos(actor=actor, photos=photos)
        for entry, _row in fresh:
            error = refused.get(made.get(entry.key, 0))
            if error is not None:
                _report_refusal(
                    report, entry.username, entry.dn, error, _("Photo refused: %(error)s")
                )
    for entry in one_by_one:
        manager_id = (
            plan.dn_to_user.get(reader.normalise_dn(entry.manager_dn)) if entry.manager_dn else None
        )
        person = _create(actor, entry, report, manager_id)
        if person is not None:
            made[entry.key] = person.pk
            plan.dn_to_user[reader.normalise_dn(entry.dn)] = person.pk
    return made


def _create_fresh(
    actor: User,
    fresh: list[tuple[reader.PersonEntry, people_actions.NewPerson]],
    bulk: _Bulk,
) -> list[User]:
    """The bulk writes of `_create_batch`, in its transaction."""
    users, _invitations = people_actions.create_people(
        actor=actor,
        people=[row for _entry, row in fresh],
        taken_usernames=bulk.taken,
        place_names=(
            bulk.places.names[Department],
            bulk.places.names[Site],
        ),
    )
    # A manager earlier in this batch: set now (later ones, by `_set_managers` once all exist;
    # pointing only backwards, these cannot make a cycle).
    batch_dns = {
        reader.normalise_dn(entry.dn): user.pk
        for (entry, _row), user in zip(fresh, users, strict=True)
    }
    late = []
    for (entry, row), user in zip(fresh, users, strict=True):
        manager_id = batch_dns.get(reader.normalise_dn(entry.manager_dn or ""))
        if row.manager_id is None and manager_id is not None and manager_id < user.pk:
            late.append(Profile(user_id=user.pk, manager_id=manager_id))
    if late:
        Profile.objects.bulk_update(late, ["manager"])
    now = timezone.now()
    DirectoryPerson.objects.bulk_create(
        [
            DirectoryPerson(
                user=user,
                key=entry.key,
                dn=entry.dn[:1000],
                username=entry.username[:255],
                digest=entry.digest(),
                photo_digest=reader.photo_digest(entry.photo),
                seen_at=now,
            )
            for (entry, _row), user in zip(fresh, users, strict=True)
        ]
    )
    log_events(
        {
            "actor": actor,
            "action": "directory.person_created",
            "target": user,
            "new": {"dn": entry.dn, "email": entry.email},
        }
        for (entry, _row), user in zip(fresh, users, strict=True)
    )
    return users


def _messages(error: ValidationError | PermissionDenied) -> list[str]:
    return list(error.messages) if isinstance(error, ValidationError) else [str(error)]


def _report_refusal(
    report: dict[str, list[Any]],
    entry: str,
    dn: str,
    error: ValidationError | PermissionDenied,
    what: str = "%(error)s",
) -> None:
    """A refused row of the run's report: who, where in the directory, and the refusal's words
    (in `what`, e.g. "Photo refused: %(error)s")."""
    _add(
        report,
        "refused",
        {"entry": entry, "dn": dn, "reason": what % {"error": " ".join(_messages(error))}},
    )


def _add(report: dict[str, list[Any]], key: str, row: Any) -> None:
    rows = report.setdefault(key, [])
    if len(rows) < REPORT_LIMIT:
        rows.append(row)


def _update(
    actor: User,
    user_id: int,
    entry: reader.PersonEntry,
    photo_changed: bool,
    report: dict[str, list[Any]],
) -> bool:
    """One changed person, through the accounts' one-person actions: a new sign-in address
    (`set_email`'s checks), and every person of a batch the database refused."""
    person = User.objects.get(pk=user_id)
    try:
        with transaction.atomic():
            if person.email.lower() != entry.email:
                person = identity_actions.set_email(actor=actor, person=person, email=entry.email)
            changed = identity_actions.apply_identity_attributes(
                person=person, values=_identity_values(entry), source="ldap"
            )
            fields: dict[str, Any] = {
                "dn": entry.dn[:1000],
                "username": entry.username[:255],
                "digest": entry.digest(),
                "seen_at": timezone.now(),
                "deactivated_by_sync": False,
            }
            if photo_changed:
                fields["photo_digest"] = reader.photo_digest(entry.photo)
            DirectoryPerson.objects.filter(user_id=user_id).update(**fields)
    except (ValidationError, PermissionDenied) as error:
        _report_refusal(report, entry.username or entry.dn, entry.dn, error)
        return False
    _updated(actor, person, entry, photo_changed, changed, report)
    return True


def _updated(
    actor: User,
    person: User,
    entry: reader.PersonEntry,
    photo_changed: bool,
    changed: dict[str, Any],
    report: dict[str, list[Any]],
) -> None:
    """After a person's update: the photo (checked and re-encoded one by one, as rare as a new
    photo is), and the report's row."""
    if photo_changed:
        try:
            if entry.photo:
                _photo(actor, person, entry.photo)
            else:
                profile_actions.update_profile(
                    actor=actor, person=person, changes={}, remove_photo=True
                )
            changed["photo"] = True
        except (ValidationError, PermissionDenied) as error:
            _report_refusal(report, entry.username, entry.dn, error, _("Photo refused: %(error)s"))
    entry.photo = b""  # written (its digest too): not kept in memory
    _add(
        report,
        "updated",
        {"name": entry.display(), "email": entry.email, "fields": sorted(changed)},
    )


def _update_batch(
    actor: User,
    batch: list[tuple[int, reader.PersonEntry, bool]],
    report: dict[str, list[Any]],
    places: identity_actions.Places,
) -> int:
    """Update a batch of changed people in one transaction and a fixed number of queries: their
    rows read at once, the differences worked out here, one `bulk_update` per set of changed
    columns (`identity.apply_identity_attributes_many`: audit entries in one INSERT, the search
    columns and index kept in step), the directory links in one `bulk_update`. A person whose
    sign-in address changed, and every person of a batch the database refused, go through
    `_update` one by one. Returns how many were updated."""
    people = User.objects.in_bulk([user_id for user_id, _entry, _photo in batch])
    rows: list[tuple[User, reader.PersonEntry, bool]] = []
    one_by_one: list[tuple[int, reader.PersonEntry, bool]] = []
    for user_id, entry, photo_changed in batch:
        person = people.get(user_id)
        if person is None:
            continue
        if person.email.lower() != entry.email:
            one_by_one.append((user_id, entry, photo_changed))
        else:
            rows.append((person, entry, photo_changed))
    updated = 0
    if rows:
        try:
            with transaction.atomic():
                changes = _write_updates(rows, places)
        except (IntegrityError, ValidationError, PermissionDenied):
            logger.warning("directory: a batch of updates was refused, its people done one by one")
            one_by_one = [(person.pk, entry, photo) for person, entry, photo in rows] + one_by_one
        else:
            for person, entry, photo_changed in rows:
                _updated(actor, person, entry, photo_changed, changes.get(person.pk, {}), report)
                updated += 1
    for user_id, entry, photo_changed in one_by_one:
        updated += _update(actor, user_id, entry, photo_changed, report)
    return updated


def _write_updates(
    rows: list[tuple[User, reader.PersonEntry, bool]], places: identity_actions.Places
) -> dict[int, dict[str, Any]]:
    """The bulk writes of `_update_batch`, in its transaction: person id → what changed."""
    changes = identity_actions.apply_identity_attributes_many(
        values={person.pk: _identity_values(entry) for person, entry, _photo in rows},
        source="ldap",
        places=places,
    )
    # Django's bulk_update costs a CASE per row and column: only the columns that differ go
    # through it (the digest always; the DN and username when the entry moved or was renamed,
    # read first), the columns every row gets the same value in, in one UPDATE.
    ids = [person.pk for person, _entry, _photo in rows]
    stored = {
        pk: (dn, username)
        for pk, dn, username in DirectoryPerson.objects.filter(user_id__in=ids).values_list(
            "user_id", "dn", "username"
        )
    }
    DirectoryPerson.objects.filter(user_id__in=ids).update(
        seen_at=timezone.now(), deactivated_by_sync=False
    )
    links: dict[bool, list[DirectoryPerson]] = {False: [], True: []}
    moved: list[DirectoryPerson] = []
    for person, entry, photo_changed in rows:
        link = DirectoryPerson(
            user_id=person.pk,
            dn=entry.dn[:1000],
            username=entry.username[:255],
            digest=entry.digest(),
        )
        if photo_changed:
            link.photo_digest = reader.photo_digest(entry.photo)
        links[photo_changed].append(link)
        if stored.get(person.pk) != (link.dn, link.username):
            moved.append(link)
    for with_photo, written in links.items():
        if written:
            DirectoryPerson.objects.bulk_update(
                written, ["digest", "photo_digest"] if with_photo else ["digest"]
            )
    if moved:
        DirectoryPerson.objects.bulk_update(moved, ["dn", "username"])
    return changes


def _set_managers(
    actor: User,
    plan: _Plan,
    key_to_user: dict[str, int],
    report: dict[str, list[Any]],
    created: set[int] | None = None,
) -> None:
    """Managers by their entry's DN, once every person exists (a manager may come after): the
    people `created` by this run in bulk, the others (changed managers, a loop the first pass
    left) in bulk too, with `update_profile`'s checks (`profiles.set_managers`)."""
    if not plan.managers:
        return
    wanted: dict[int, int | None] = {}
    outside: dict[int, str] = {}  # managers not seen in this run, found by their DN below
    for key, manager_dn in plan.managers.items():
        user_id = key_to_user.get(key)
        if user_id is None:
            continue
        manager_id = plan.dn_to_user.get(reader.normalise_dn(manager_dn)) if manager_dn else None
        if manager_dn and manager_id is None:
            outside[user_id] = manager_dn.lower()
        wanted[user_id] = manager_id if manager_id != user_id else None
    if outside:
        found: dict[str, int] = {}
        for dn, pk in (
            DirectoryPerson.objects.annotate(lower_dn=Lower("dn"))
            .filter(lower_dn__in=set(outside.values()))
            .order_by("-user_id")
            .values_list("lower_dn", "user_id")
        ):
            found[dn] = pk
        for user_id, dn in outside.items():
            manager_id = found.get(dn)
            wanted[user_id] = manager_id if manager_id != user_id else None
    ids = list(wanted)
    current: dict[int, int | None] = {}
    for start in range(0, len(ids), 5000):
        current.update(
            Profile.objects.filter(user_id__in=ids[start : start + 5000]).values_list(
                "user_id", "manager_id"
            )
        )
    changes = {uid: mid for uid, mid in wanted.items() if current.get(uid) != mid}
    new = {
        uid: mid
        for uid, mid in changes.items()
        if created and uid in created and current.get(uid) is None and mid is not None
    }
    if new:
        left = profile_actions.set_new_people_managers(actor=actor, managers=new)
        changes = {uid: mid for uid, mid in changes.items() if uid not in new or uid in left}
    # The others (managers changed in the directory, a loop left by the new people's pass) in
    # bulk, with `update_profile`'s checks and audit entries.
    refused = profile_actions.set_managers(actor=actor, managers=changes)
    if refused:
        names = dict(User.objects.filter(pk__in=list(refused)).values_list("pk", "username"))
        for user_id, error in refused.items():
            _report_refusal(
                report, names.get(user_id, ""), "", error, _("Manager not set: %(error)s")
            )


def _group_members(
    conn: Any,
    config: reader.Config,
    ad: bool,
    group_dn: str,
    all_groups: dict[str, set[str]],
    dn_to_user: dict[str, int],
) -> set[int]:
    dns = (
        reader.in_chain_members(conn, config, group_dn)
        if ad
        else reader.expand(group_dn, all_groups)
    )
    return {dn_to_user[dn] for dn in dns if dn in dn_to_user}


@dataclass
class _WouldBe:
    """What a dry run would create (by a stand-in id below zero: no such person exists) and
    reactivate, for the group rules' counts."""

    created: dict[int, reader.PersonEntry] = field(default_factory=dict)
    reactivated: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, plan: _Plan) -> _WouldBe:
        return cls(
            created={-index: entry for index, entry in enumerate(plan.create, 1)},
            reactivated=set(plan.reactivate),
        )

    def dns(self) -> dict[str, int]:
        return {reader.normalise_dn(entry.dn): pk for pk, entry in self.created.items()}


def _apply_rules(
    actor: User,
    conn: Any,
    config: reader.Config,
    dn_to_user: dict[str, int],
    dry_run: bool,
    report: dict[str, Any],
    would: _WouldBe | None = None,
) -> None:
    """Space memberships, departments and sites from the group rules. A dry run passes what it
    `would` create and reactivate: the people it would create count as members of their groups
    (their places compared with their entry's), as a real run counts them once made."""
    rules = list(queries.rules())
    if not rules and not DirectoryMembership.objects.exists():
        return
    would = would or _WouldBe()
    if would.created:
        dn_to_user = {**dn_to_user, **would.dns()}
    ad = reader.is_active_directory(conn)
    all_groups = {} if ad else reader.groups(conn, config)
    report["nested"] = "in_chain" if ad else "expanded"
    active = set(
        User.objects.filter(pk__in=dn_to_user.values(), is_active=True).values_list("pk", flat=True)
    )
    active |= set(would.created) | would.reactivated
    spaces: dict[int, tuple[Space, set[int]]] = {}
    places: list[tuple[GroupRule, set[int]]] = []
    for rule in rules:
        members = _group_members(conn, config, ad, rule.group_dn, all_groups, dn_to_user) & active
        if rule.kind == RuleKind.SPACE and rule.space is not None:
            space, wanted = spaces.setdefault(rule.space.pk, (rule.space, set()))
            wanted |= members
        else:
            places.append((rule, members))
    summary: list[dict[str, Any]] = []
    for space, wanted in spaces.values():
        current = set(Membership.objects.filter(space=space).values_list("user_id", flat=True))
        given = set(
            DirectoryMembership.objects.filter(space=space).values_list("user_id", flat=True)
        )
        to_add = wanted - current
        to_remove = (given - wanted) & current
        summary.append({"space": space.name, "added": len(to_add), "removed": len(to_remove)})
        if dry_run:
            continue
        people = User.objects.in_bulk(to_add | to_remove)
        added = _space_members(actor, space, [people[pk] for pk in sorted(to_add)], True, report)
        DirectoryMembership.objects.bulk_create(
            [DirectoryMembership(space=space, user_id=user_id) for user_id in added],
            ignore_conflicts=True,
        )
        _space_members(actor, space, [people[pk] for pk in sorted(to_remove)], False, report)
        if to_remove:
            DirectoryMembership.objects.filter(space=space, user_id__in=to_remove).delete()
        # Members already there before the rule are not the directory's to remove later.
    # Spaces with no rule any more: the memberships the directory gave go.
    stale: dict[int, list[int]] = {}
    for space_id, user_id in (
        DirectoryMembership.objects.exclude(space_id__in=list(spaces))
        .order_by("space_id", "user_id")
        .values_list("space_id", "user_id")
    ):
        stale.setdefault(space_id, []).append(user_id)
    if stale and not dry_run:
        stale_spaces = Space.objects.in_bulk(list(stale))
        people = User.objects.in_bulk({pk for user_ids in stale.values() for pk in user_ids})
        for space_id, user_ids in stale.items():
            _space_members(
                actor, stale_spaces[space_id], [people[pk] for pk in user_ids], False, None
            )
        DirectoryMembership.objects.filter(space_id__in=list(stale)).delete()
    known_places = identity_actions.Places() if places and not dry_run else None
    for rule, members in places:
        profiles = Profile.objects.filter(user_id__in=members).select_related(
            "department", "site", "user"
        )
        moving: dict[int, dict[str, str]] = {}
        attribute = "department" if rule.kind == RuleKind.DEPARTMENT else "site"
        # People this dry run would create: given their entry's place first, then the rule's.
        changed = sum(
            1
            for user_id in members
            if user_id in would.created
            and getattr(would.created[user_id], attribute).strip() != rule.name
        )
        for profile in profiles:
            place = getattr(profile, attribute)
            if place is not None and place.name == rule.name:
                continue
            changed += 1
            moving[profile.user_id] = {attribute: rule.name}
        if moving and known_places is not None:
            identity_actions.apply_identity_attributes_many(
                values=moving, source="ldap", places=known_places
            )
        summary.append({attribute: rule.name, "added": changed, "removed": 0})
    report["memberships"] = summary


def _space_members(
    actor: User,
    space: Space,
    people: list[User],
    add: bool,
    report: dict[str, list[Any]] | None,
) -> list[int]:
    """Add (or remove) these people to (from) the space as its administrators would, 500 at a
    time: the spaces' `add_members` (`remove_members`), with `add_member`'s (`remove_member`'s)
    checks, audit entries and events. Refusals go to the `report` (none: left unsaid, for the
    spaces a deleted rule leaves). Returns the ids of the people added (removed)."""
    done: list[int] = []
    for batch, changed, refused in space_actions.members_in_batches(
        actor=actor, space=space, people=people, add=add, batch_size=MEMBERSHIP_BATCH
    ):
        if report is not None:
            for person in batch:
                if person.pk in refused:
                    _report_refusal(report, person.username, "", refused[person.pk])
        done.extend(person.pk for person in changed)
    return done


def _set_active(
    actor: User, user_ids: list[int], report: dict[str, list[Any]], *, active: bool
) -> int:
    """Deactivate the people the directory no longer has, or reactivate those it has again
    (deactivated by an earlier run), 500 at a time: the accounts' `deactivate_people` /
    `reactivate_people` (one UPDATE, audited; sockets closed and sessions ended, or back in the
    search index), their links marked in one UPDATE, the directory's audit entries in one
    INSERT. Reactivated people's spaces come back with the group rules, applied after
    (`_apply_rules`)."""
    change = people_actions.reactivate_people if active else people_actions.deactivate_people
    action = "directory.person_reactivated" if active else "directory.person_deactivated"
    outcome = "reactivated" if active else "deactivated"
    count = 0
    ids = sorted(user_ids)
    for start in range(0, len(ids), ACTIVATION_BATCH):
        people = list(
            User.objects.filter(pk__in=ids[start : start + ACTIVATION_BATCH]).order_by("pk")
        )
        try:
            with transaction.atomic():
                done, refused = change(actor=actor, people=people)
                DirectoryPerson.objects.filter(user_id__in=[person.pk for person in done]).update(
                    deactivated_by_sync=not active
                )
                log_events({"actor": actor, "action": action, "target": person} for person in done)
        except PermissionDenied as error:
            for person in people:
                _report_refusal(report, person.username, "", error)
            continue
        for person in people:
            if person.pk in refused:
                _report_refusal(report, person.username, "", refused[person.pk])
        for person in done:
            _add(report, outcome, {"name": person.display_name, "email": person.email})
        count += len(done)
    return count


def _finish(run: SyncRun, **fields: Any) -> SyncRun:
    for name, value in fields.items():
        setattr(run, name, value)
    run.finished_at = timezone.now()
    run.save()
    return run


def run_sync(*, run_id: int) -> SyncRun:
    """Read the directory and bring Cercle's people in line (or, for a dry run, only say what
    would change). Called by the background task."""
    run = SyncRun.objects.get(pk=run_id)
    if run.status not in {RunStatus.QUEUED, RunStatus.RUNNING}:
        return run
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    config = queries.config()
    actor = queries.sync_actor()
    if config is None or actor is None:
        reason = (
            _("The directory is not configured.")
            if config is None
            else _("No active administrator to act in the name of.")
        )
        _finish(run, status=RunStatus.FAILED, error=reason)
        _alert(run, reason)
        return run
    report: dict[str, Any] = {}
    try:
        conn = reader.connect(config)
    except reader.DirectoryError as error:
        message = _("The directory could not be read: %(error)s") % {"error": error}
        _finish(run, status=RunStatus.FAILED, error=message)
        _alert(run, message)
        return run
    try:
        try:
            plan = _plan(run, reader.people(conn, config))
        except reader.DirectoryError as error:
            message = _("The directory could not be read: %(error)s") % {"error": error}
            _finish(run, status=RunStatus.FAILED, error=message, report={"held": message})
            _alert(run, message)
            return run
        held = _held_reason(plan, config)
        for row in plan.refused:
            _add(report, "refused", row)
        run.found = plan.found
        run.total = plan.found
        run.save(update_fields=["found", "total"])
        progress = _Progress(run)
        progress.step(plan.found - len(plan.create) - len(plan.update))
        key_to_user: dict[str, int] = {}
        created = updated = deactivated = reactivated = 0
        if run.dry_run:
            for entry in plan.create:
                _add(
                    report,
                    "created",
                    {"name": entry.display(), "email": entry.email, "dn": entry.dn},
                )
            for _user_id, entry, _photo_changed in plan.update:
                _add(
                    report, "updated", {"name": entry.display(), "email": entry.email, "fields": []}
                )
            created, updated = len(plan.create), len(plan.update)
            reactivated = len(plan.reactivate)
            if not held:
                for person in User.objects.filter(pk__in=plan.deactivate).order_by("pk"):
                    _add(
                        report, "deactivated", {"name": person.display_name, "email": person.email}
                    )
                deactivated = len(plan.deactivate)
            _apply_rules(actor, conn, config, plan.dn_to_user, True, report, _WouldBe.of(plan))
        else:
            reactivated = _set_active(actor, plan.reactivate, report, active=True)
            bulk = _Bulk() if plan.create else None
            created_ids: list[int] = []
            for start in range(0, len(plan.create), CREATE_BATCH):
                assert bulk is not None
                batch = plan.create[start : start + CREATE_BATCH]
                made = _create_batch(actor, batch, plan, report, bulk)
                created += len(made)
                key_to_user.update(made)
                created_ids.extend(made.values())
                progress.step(len(batch))
            places = (
                bulk.places
                if bulk is not None
                else identity_actions.Places()
                if plan.update
                else None
            )
            for start in range(0, len(plan.update), UPDATE_BATCH):
                changed_batch = plan.update[start : start + UPDATE_BATCH]
                for user_id, entry, _photo_changed in changed_batch:
                    key_to_user[entry.key] = user_id
                assert places is not None
                updated += _update_batch(actor, changed_batch, report, places)
                progress.step(len(changed_batch))
            _set_managers(actor, plan, key_to_user, report, set(created_ids))
            if not held:
                deactivated = _set_active(actor, plan.deactivate, report, active=False)
            _apply_rules(actor, conn, config, _all_dns(plan), False, report)
    finally:
        conn.unbind()
    if held:
        report["held"] = held
        report["would_deactivate"] = len(plan.deactivate)
    _finish(
        run,
        status=RunStatus.HELD if held else RunStatus.DONE,
        done=run.total,
        created_count=created,
        updated_count=updated,
        deactivated_count=deactivated,
        reactivated_count=reactivated,
        refused_count=len(report.get("refused", [])),
        report=report,
    )
    if held:
        _alert(run, held)
    return run


def _all_dns(plan: _Plan) -> dict[str, int]:
    """Every person seen in this run by their entry's DN (the rules' members are DNs)."""
    return plan.dn_to_user


def _alert(run: SyncRun, reason: str) -> None:
    """Tell the administrators: a notification, and a mail at once."""
    admins = queries.admins()
    if not admins:
        return
    notify_many(recipients=admins, kind=ALERT_KIND, actor=None, group_key=f"directory-run-{run.pk}")
    link = absolute_url(reverse("directory_run", args=[run.pk]))
    for admin in admins:
        with translation.override(admin.language or None):
            subject = _("[Cercle] The directory synchronisation needs you")
            body = _("%(reason)s\n\nThe run's report: %(link)s") % {"reason": reason, "link": link}
        try:
            send_mail(subject, body, None, [admin.email])
        except OSError:
            logger.warning(
                "directory alert: the mail to %s could not be sent", admin.email, exc_info=True
            )


def person_for_sign_in(entry: reader.PersonEntry) -> User | None:
    """The person signing in by LDAP bind: found by their entry's key, or created now (a
    whole person, as a run creates them). None: disabled in the directory or deactivated in
    Cercle."""
    if entry.disabled:
        return None
    link = DirectoryPerson.objects.select_related("user").filter(key=entry.key).first()
    if link is not None:
        return link.user if link.user.is_active else None
    actor = queries.sync_actor()
    if actor is None:
        return None
    report: dict[str, list[Any]] = {}
    person = _create(actor, entry, report)
    if person is None:
        logger.warning("LDAP sign-in of %s refused: %s", entry.dn, report.get("refused"))
        return None
    person.refresh_from_db()
    return person if person.is_active else None

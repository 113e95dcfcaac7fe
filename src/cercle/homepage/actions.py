"""Writes of the home page's composition: administrators (the IT department) add, change, move
and remove links, and arrange the home's parts. Each write is audited and drops the cached
composition once committed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site, User
from cercle.accounts.queries import may_manage_settings
from cercle.audit.actions import log_event
from cercle.homepage import queries
from cercle.homepage.models import HomeLink, HomePart

LABEL_MAX = 60
URL_MAX = 500
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\\<>\"]")


def _require_admin(actor: User) -> None:
    if not may_manage_settings(actor):
        raise PermissionDenied(_("Only administrators compose the home page."))


def _forget_on_commit() -> None:
    queries.forget_config()
    transaction.on_commit(queries.forget_config)


def clean_url(url: str) -> str:
    """An address of the web (http or https, with a host) or a path inside Cercle ("/…"); any
    other scheme (javascript:, data:, file:…), a protocol-relative "//host" or a space is
    refused."""
    url = url.strip()
    if not url:
        raise ValidationError(_("Give the link's address."))
    if len(url) > URL_MAX:
        raise ValidationError(_("An address has at most %(max)d characters.") % {"max": URL_MAX})
    if _UNSAFE.search(url):
        raise ValidationError(_("An address has no spaces, quotes, angle brackets or backslashes."))
    if url.startswith("/"):
        if url.startswith("//"):
            raise ValidationError(_("Give a full address (https://…) or a path starting with “/”."))
        return url
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise ValidationError(_("This address is not valid.")) from error
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValidationError(
            _("Give an address starting with https:// or http://, or a path of Cercle (“/…”).")
        )
    return url


@dataclass(frozen=True)
class LinkInput:
    place: str
    label_fr: str
    label_en: str
    url: str
    icon: str = "link"
    sites: Iterable[Site] = field(default_factory=tuple)
    departments: Iterable[Department] = field(default_factory=tuple)


def _validate(data: LinkInput) -> tuple[str, str, str, str]:
    errors: dict[str, list[str]] = {}
    label_fr, label_en = data.label_fr.strip(), data.label_en.strip()
    if not label_fr and not label_en:
        errors["label_fr"] = [_("Give the label in French or in English (or both).")]
    for name, label in (("label_fr", label_fr), ("label_en", label_en)):
        if len(label) > LABEL_MAX:
            errors[name] = [_("A label has at most %(max)d characters.") % {"max": LABEL_MAX}]
    if data.place not in HomeLink.Place.values:
        errors["place"] = [_("Choose where the link goes.")]
    if data.icon not in queries.ICONS:
        errors["icon"] = [_("Choose one of the icons.")]
    url = ""
    try:
        url = clean_url(data.url)
    except ValidationError as error:
        errors["url"] = error.messages
    if errors:
        raise ValidationError(errors)
    return label_fr, label_en, url, data.icon


def _describe(link: HomeLink) -> dict[str, object]:
    return {
        "place": link.place,
        "label_fr": link.label_fr,
        "label_en": link.label_en,
        "url": link.url,
        "icon": link.icon,
        "sites": sorted(site.name for site in link.sites.all()),
        "departments": sorted(d.name for d in link.departments.all()),
    }


def save_link(*, actor: User, data: LinkInput, link: HomeLink | None = None) -> HomeLink:
    """Adds a link (at the end of its place) or changes `link`."""
    _require_admin(actor)
    label_fr, label_en, url, icon = _validate(data)
    sites, departments = list(data.sites), list(data.departments)
    with transaction.atomic():
        old = _describe(link) if link is not None else None
        if link is None:
            last = HomeLink.objects.filter(place=data.place).aggregate(Max("position"))
            link = HomeLink(place=data.place, position=(last["position__max"] or 0) + 1)
        elif link.place != data.place:
            last = HomeLink.objects.filter(place=data.place).aggregate(Max("position"))
            link.position = (last["position__max"] or 0) + 1
        link.place = data.place
        link.label_fr, link.label_en, link.url, link.icon = label_fr, label_en, url, icon
        link.save()
        link.sites.set(sites)
        link.departments.set(departments)
        new = _describe(link)
        if old is None:
            log_event(actor=actor, action="homepage.link_added", target=link, new=new)
        elif old != new:
            log_event(actor=actor, action="homepage.link_changed", target=link, old=old, new=new)
        _forget_on_commit()
    return link


def move_link(*, actor: User, link: HomeLink, up: bool) -> HomeLink:
    """Swaps the link with the one before it (`up`) or after it, in its place."""
    _require_admin(actor)
    with transaction.atomic():
        links = list(
            HomeLink.objects.select_for_update().filter(place=link.place).order_by("position", "pk")
        )
        index = next((i for i, item in enumerate(links) if item.pk == link.pk), None)
        if index is None:
            return link
        other = index - 1 if up else index + 1
        if not 0 <= other < len(links):
            return link  # already first (or last): nothing to do
        links[index], links[other] = links[other], links[index]
        for position, item in enumerate(links, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        log_event(
            actor=actor,
            action="homepage.link_moved",
            target=link,
            old={"position": index + 1},
            new={"position": other + 1},
        )
        _forget_on_commit()
    return links[other]


def remove_link(*, actor: User, link: HomeLink) -> None:
    _require_admin(actor)
    with transaction.atomic():
        log_event(actor=actor, action="homepage.link_removed", target=link, old=_describe(link))
        link.delete()
        _forget_on_commit()


@dataclass(frozen=True)
class PartInput:
    key: str
    shown: bool
    position: int
    sites: Iterable[Site] = field(default_factory=tuple)
    departments: Iterable[Department] = field(default_factory=tuple)


def save_parts(*, actor: User, parts: Iterable[PartInput]) -> None:
    """Saves the setting of each part given (shown, position from 1, whom it is for)."""
    _require_admin(actor)
    parts = list(parts)
    errors: dict[str, list[str]] = {}
    for part in parts:
        if part.key not in queries.PARTS:
            errors[part.key] = [_("Unknown part of the home page.")]
        elif not 1 <= part.position <= len(queries.PARTS):
            errors[part.key] = [
                _("Give a position between 1 and %(max)d.") % {"max": len(queries.PARTS)}
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = queries.part_settings()
        old, new = {}, {}
        for part in parts:
            row = current.get(part.key) or HomePart(key=part.key)
            if row.pk is not None:
                old[part.key] = _part_state(row)
            row.shown, row.position = part.shown, part.position
            row.save()
            row.sites.set(list(part.sites))
            row.departments.set(list(part.departments))
            new[part.key] = _part_state(row)
        if old != new:
            log_event(actor=actor, action="homepage.parts_changed", old=old or None, new=new)
        _forget_on_commit()


def _part_state(part: HomePart) -> dict[str, object]:
    return {
        "shown": part.shown,
        "position": part.position,
        "sites": sorted(site.name for site in part.sites.all()),
        "departments": sorted(d.name for d in part.departments.all()),
    }

"""What announcements add to the feed's pages (`cercle.feed.registry`), registered by
`AnnouncementsConfig.ready()`: the post card's tag, "Read confirmations" link and menu items;
the home page's banners and its "Publish an announcement" link; the composer's "Post in" choice
and announcement options, and what they do when the post is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site, User
from cercle.announcements import actions, events, queries
from cercle.announcements.models import Announcement
from cercle.announcements.views import announced_message, targets
from cercle.feed import registry
from cercle.feed.models import Post
from cercle.spaces.models import Space

KEY = "announcement"


def _banners(user: User, feed_filter: str) -> Mapping[str, Any]:
    return {"announcements": queries.shown_announcements(user), "filter": feed_filter}


def _banner_posts(context: Mapping[str, Any]) -> list[int]:
    """The posts the banners show: the feed below leaves them out."""
    return [banner.announcement.post_id for banner in context["announcements"]]


def _organisation_link(user: User, feed_filter: str) -> Mapping[str, Any]:
    return {"organisation_space": queries.organisation_to_announce_in(user)}


def _composer(
    user: User, space: Space | None, roles: dict[int, str] | None
) -> Mapping[str, Any] | None:
    """In a space's composer: the targets where `user` may announce; in the home composer (space
    None), for those who may announce in the organisation space: "Post in" (their wall, the
    organisation, their spaces, each marked where they may announce) and the targets."""
    if space is not None:
        return queries.announce_options(user, space, roles)
    org = queries.organisation_to_announce_in(user)
    if org is None:
        return None
    return {**queries.announcement_choices(), "targets": queries.composer_targets(user, org)}


@dataclass
class _Publish:
    """ "Publish as an announcement", ticked in a composer."""

    actor: User
    departments: list[Department]
    sites: list[Site]
    requires_ack: bool
    done: list[Announcement] = field(default_factory=list)

    def apply(self, post: Post) -> None:
        self.done.append(
            actions.announce(
                actor=self.actor,
                post=post,
                departments=self.departments,
                sites=self.sites,
                requires_ack=self.requires_ack,
            )
        )

    def message(self) -> str:
        return announced_message(self.done[0]) if self.done else ""


def _plan(actor: User, space: Space | None, data: QueryDict) -> _Publish | None:
    if data.get("announce") != "on":
        return None
    if space is None:  # the home composer's "Post in" left on one's wall
        raise ValidationError(_("Choose a space to publish an announcement in."))
    if not queries.can_announce_in(actor, space):
        raise PermissionDenied(
            _("Only staff (organisation space) or the space's admins can make announcements.")
        )
    departments, sites = targets(data)
    return _Publish(
        actor=actor,
        departments=departments,
        sites=sites,
        requires_ack=data.get("requires_ack") == "on",
    )


def register() -> None:
    registry.register_card_extra(
        registry.CardExtra(
            key=KEY,
            load=queries.card_announcements,
            templates={
                "meta": "announcements/_card_tag.html",
                "actions": "announcements/_card_confirmations.html",
                "menu": "announcements/_card_menu.html",
            },
        )
    )
    registry.register_home_section(
        registry.HomeSection(
            key="announcements",
            template="announcements/_home_banners.html",
            load=_banners,
            shows_posts=_banner_posts,
        )
    )
    registry.register_home_section(
        registry.HomeSection(
            key="announce_link",
            template="announcements/_home_link.html",
            load=_organisation_link,
            place="composer",
        )
    )
    registry.register_composer_option(
        registry.ComposerOption(
            key=KEY,
            load=_composer,
            plan=_plan,
            templates={
                "where": "announcements/_composer_where.html",
                "options": "announcements/_composer_options.html",
            },
        )
    )
    registry.register_home_group(events.ANNOUNCEMENTS_GROUP)

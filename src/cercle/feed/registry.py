"""What the modules that extend posts add to the feed's pages, registered from their `apps.py`.

The feed knows none of the modules above it (announcements, and later others that turn a post
into something more): each registers here what it shows and does, the way `spaces.registry`
takes the tabs of a space's header.

- `CardExtra`: a loader called once per page of posts, `(viewer, posts, new) -> {post_id: value}`
  (a fixed number of queries for the whole page; `new`: posts created in this transaction, which
  nobody has acted on yet), whose value lands in `PostCard.extras[key]`, and templates included
  in the card: `meta` (after its date), `actions` (its footer), `menu` (its "More" menu). Each
  template gets `card` and `extra` (the loader's value for the post, None when it gave none).
- `HomeSection`: a block of the home page with its own context, at the top (`top`) or after the
  composer (`composer`). Its template gets `section` (the loader's context) and the page's;
  `shows_posts` names the posts it shows whole, which the feed below it leaves out.
- `ComposerOption`: a part of the composer (`where`: the place to post in, `options`: below the
  text), offered when its loader gives a context, and what it does on submit: `plan` reads the
  submitted form before anything is written (raising `ValidationError` or `PermissionDenied` to
  refuse it) and returns what to do with the new post, run by `create_post` in its transaction
  (so that the post and the option's work are all or nothing), or None when not asked for.
- `home_groups`: the channel-layer groups a socket showing the home page joins as well (their
  module's part of the socket passes their events on).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.http import QueryDict

    from cercle.accounts.models import User
    from cercle.feed.models import Post
    from cercle.feed.queries.visibility import Viewer
    from cercle.spaces.models import Space

CARD_SLOTS = ("meta", "body", "actions", "menu")
HOME_PLACES = ("top", "composer")
COMPOSER_SLOTS = ("where", "options")


@dataclass(frozen=True)
class CardExtra:
    """What a module adds to post cards. `load`'s values are part of the key under which a card
    is kept drawn (`feed_tags.CardCache`): make them hashable (a frozen dataclass, tuples), and
    let the slots' templates draw only from `extra`, `post`, `card`, the page's address
    (`request.get_full_path`) and `{% csrf_token %}` — anything else about the viewer would be
    shown to the next viewer with the same key."""

    key: str
    load: Callable[[Viewer, Sequence[Post], bool], Mapping[int, object]]
    templates: Mapping[str, str] = field(default_factory=dict)  # slot -> template
    order: int = 50


@dataclass(frozen=True)
class HomeSection:
    key: str
    template: str
    load: Callable[[User, str], Mapping[str, Any]]  # (viewer, the feed's filter) -> context
    place: str = "top"
    order: int = 50
    # (the loaded context) -> the posts the section shows whole, which the feed below leaves out
    # (an announcement's banner is not repeated just under it).
    shows_posts: Callable[[Mapping[str, Any]], Iterable[int]] | None = None


@dataclass(frozen=True)
class ShownSection:
    key: str
    template: str
    context: Mapping[str, Any]
    post_ids: frozenset[int] = frozenset()


class ComposerPlan(Protocol):
    """What a composer option does with the new post (`ComposerOption.plan`)."""

    def apply(self, post: Post) -> None:
        """In `create_post`'s transaction, once the post is written; may raise to refuse."""

    def message(self) -> str:
        """Said on the page once done (may be safe HTML)."""


@dataclass(frozen=True)
class ComposerOption:
    key: str
    # (viewer, the composer's space or None for the home composer, the viewer's space roles when
    # loaded) -> the templates' context, or None: not offered to this person there.
    load: Callable[[User, Space | None, dict[int, str] | None], Mapping[str, Any] | None]
    # (actor, the chosen space or None, the submitted form) -> what to do after the post, or None.
    plan: Callable[[User, Space | None, QueryDict], ComposerPlan | None]
    templates: Mapping[str, str] = field(default_factory=dict)  # slot -> template
    order: int = 50


@dataclass(frozen=True)
class ShownOption:
    key: str
    templates: Mapping[str, str]
    context: Mapping[str, Any]


CARD_EXTRAS: dict[str, CardExtra] = {}
HOME_SECTIONS: dict[str, HomeSection] = {}
COMPOSER_OPTIONS: dict[str, ComposerOption] = {}
HOME_GROUPS: set[str] = set()


def register_card_extra(extra: CardExtra) -> None:
    if any(slot not in CARD_SLOTS for slot in extra.templates):
        raise ValueError(f"card slots are {', '.join(CARD_SLOTS)}")
    CARD_EXTRAS[extra.key] = extra


def register_home_section(section: HomeSection) -> None:
    if section.place not in HOME_PLACES:
        raise ValueError(f"home places are {', '.join(HOME_PLACES)}")
    HOME_SECTIONS[section.key] = section


def register_composer_option(option: ComposerOption) -> None:
    if any(slot not in COMPOSER_SLOTS for slot in option.templates):
        raise ValueError(f"composer slots are {', '.join(COMPOSER_SLOTS)}")
    COMPOSER_OPTIONS[option.key] = option


def register_home_group(group: str) -> None:
    HOME_GROUPS.add(group)


def card_extras() -> list[CardExtra]:
    return sorted(CARD_EXTRAS.values(), key=lambda e: (e.order, e.key))


def card_templates(slot: str) -> list[tuple[str, str]]:
    """(key, template) of the extras showing in one slot of a card, in order."""
    return [(e.key, e.templates[slot]) for e in card_extras() if slot in e.templates]


def home_sections(
    user: User, feed_filter: str, hidden: frozenset[str] = frozenset()
) -> dict[str, list[ShownSection]]:
    """The home page's sections by place, each with its context (loaded now); those in `hidden`
    (admins' layout of the home, `cercle.core.panels.HomeLayout`) are left out, not loaded."""
    shown: dict[str, list[ShownSection]] = {place: [] for place in HOME_PLACES}
    for section in sorted(HOME_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        if section.key in hidden:
            continue
        context = section.load(user, feed_filter)
        shown[section.place].append(
            ShownSection(
                key=section.key,
                template=section.template,
                context=context,
                post_ids=frozenset(section.shows_posts(context))
                if section.shows_posts
                else frozenset(),
            )
        )
    return shown


def shown_post_ids(sections: Mapping[str, list[ShownSection]]) -> frozenset[int]:
    """The posts the home page's sections show whole (`HomeSection.shows_posts`)."""
    return frozenset().union(*(s.post_ids for shown in sections.values() for s in shown))


def composer_options(
    user: User, space: Space | None, roles: dict[int, str] | None = None
) -> list[ShownOption]:
    """The composer parts offered to `user` in `space` (None: the home composer)."""
    shown = []
    for option in sorted(COMPOSER_OPTIONS.values(), key=lambda o: (o.order, o.key)):
        context = option.load(user, space, roles)
        if context is not None:
            shown.append(ShownOption(key=option.key, templates=option.templates, context=context))
    return shown


def composer_plans(actor: User, space: Space | None, data: QueryDict) -> list[ComposerPlan]:
    """What the options asked for in a submitted composer want done with the new post; raises
    (`ValidationError`, `PermissionDenied`) when one refuses, before anything is written."""
    plans = []
    for option in sorted(COMPOSER_OPTIONS.values(), key=lambda o: (o.order, o.key)):
        plan = option.plan(actor, space, data)
        if plan is not None:
            plans.append(plan)
    return plans


def home_groups() -> frozenset[str]:
    return frozenset(HOME_GROUPS)

"""The demo organisation's month on the wall (`seed_demo`), written through the actions.

Listens to `cercle.accounts.hooks.DemoContentWanted`: creates the demo spaces (each kind), their
members (joining, asking to join, invited), then the posts, comments and reactions of
`demo_content`, and what modules extending the feed add (`hooks.DemoMonthPlanned`: the
announcements), in the order of their dates, each step dated with
`cercle.core.demo.backdated` so that posts, notifications and audit entries all say when. Through
the actions rather than bulk writes: about 700 steps, a few seconds, and the data is exactly what
real use leaves (counters, notifications of mentions and comments, audit entries, receipts).
Deterministic: the same people, words and reactions each time (`random.Random(SEED)`).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from functools import partial

from django.db.models import Count

from cercle.accounts import demo_data
from cercle.accounts.hooks import DemoContentWanted
from cercle.accounts.models import Profile, User
from cercle.core.demo import backdated, demo_time
from cercle.core.hooks import emit
from cercle.feed import actions
from cercle.feed.demo_content import POSTS, REACTION_WEIGHTS, SPACES, DemoPost, DemoSpace
from cercle.feed.hooks import DemoMonthPlanned
from cercle.feed.models import Post, Reaction
from cercle.spaces import actions as space_actions
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Membership, Space, SpaceRole

SEED = 2026
# The spaces are opened about five weeks before the seeding's "now".
SPACES_OPENED_DAYS_AGO = 33

Step = tuple[datetime.datetime, int, Callable[[], None]]


class DemoMonth:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.rng = random.Random(SEED)
        self.people = {
            u.username: u
            for u in User.objects.filter(is_active=True).exclude(username__startswith="scale-")
        }
        self.profiles = {
            p.user.username: p
            for p in Profile.objects.select_related("user", "department", "site").filter(
                user__in=self.people.values()
            )
        }
        self.spaces: dict[str, Space] = {}
        self.counts: dict[str, int] = {}
        self.steps: list[Step] = []

    def count(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n

    def add(self, when: datetime.datetime, step: Callable[[], None]) -> None:
        self.steps.append((when, len(self.steps), step))

    def run(self) -> None:
        """Every step in the order of its date (ties in the order they were planned)."""
        for when, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            with backdated(when):
                step()
        self.steps = []

    # --- Spaces.

    def members_of(self, demo: DemoSpace) -> list[User]:
        found: dict[str, User] = {}
        for name in demo.members:
            if name.startswith(("dept:", "site:")):
                kind, key = name.split(":", 1)
                for username, profile in sorted(self.profiles.items()):
                    record = profile.department if kind == "dept" else profile.site
                    if record is not None and record.slug == _record_slug(kind, key):
                        found.setdefault(username, profile.user)
            elif name in self.people:
                found.setdefault(name, self.people[name])
        owner = demo.owner
        return [person for username, person in found.items() if username != owner]

    def plan_spaces(self) -> None:
        opened = demo_time(self.now, SPACES_OPENED_DAYS_AGO, 9, 0)
        for index, demo in enumerate(SPACES):
            owner = self.people.get(demo.owner)
            if owner is None:
                continue
            when = opened + datetime.timedelta(minutes=7 * index)
            self.add(when, partial(self.open_space, demo, owner))
            for offset, person in enumerate(self.members_of(demo)):
                at = when + datetime.timedelta(hours=1 + offset % 30, minutes=offset * 3 % 60)
                self.add(at, partial(self.join, demo, person))
            for offset, username in enumerate(demo.pending):
                if username in self.people:
                    at = demo_time(self.now, 2 + offset, 10, 30)
                    self.add(at, partial(self.ask, demo, self.people[username]))

    def open_space(self, demo: DemoSpace, owner: User) -> None:
        existing = Space.objects.filter(slug=demo.key).first()
        if existing is None:
            existing = space_actions.create_space(
                actor=owner, name=demo.name, description=demo.description, kind=demo.kind
            )
            self.count("spaces")
        self.spaces[demo.key] = existing

    def join(self, demo: DemoSpace, person: User) -> None:
        space = self.spaces.get(demo.key)
        owner = self.people[demo.owner]
        if space is None or space_queries.effective_role(person, space) is not None:
            return
        if space.kind == "open":
            if person.is_guest:
                return
            space_actions.join_space(actor=person, space=space)
        elif space.kind == "request":
            request = space_actions.request_to_join(actor=person, space=space)
            space_actions.decide_join_request(actor=owner, join_request=request, accept=True)
        else:
            (invitation,) = space_actions.invite(actor=owner, space=space, users=[person])
            space_actions.respond_to_invitation(actor=person, invitation=invitation, accept=True)
        self.count("memberships")
        if person.username in demo.admins:
            space_actions.change_role(actor=owner, space=space, user=person, role=SpaceRole.ADMIN)

    def ask(self, demo: DemoSpace, person: User) -> None:
        """A join request or an invitation still waiting (space admins see it)."""
        space = self.spaces.get(demo.key)
        if space is None or space_queries.effective_role(person, space) is not None:
            return
        if space.kind == "request":
            space_actions.request_to_join(
                actor=person, space=space, message="Je peux aider sur le sujet, si besoin !"
            )
        elif space.kind in ("private", "secret"):
            space_actions.invite(actor=self.people[demo.owner], space=space, users=[person])
        self.count("pending")

    # --- The wall.

    def audience(self, post: DemoPost) -> list[User]:
        """Who may react to and comment on the post: the space's members, or anyone."""
        if post.space in ("", "organisation"):
            return [u for u in self.people.values() if not u.is_guest]
        space = self.spaces.get(post.space)
        if space is None:
            return []
        ids = set(Membership.objects.filter(space=space).values_list("user_id", flat=True))
        return [u for u in self.people.values() if u.pk in ids]

    def plan_posts(self) -> None:
        for demo in POSTS:
            if demo.author not in self.people:
                continue
            when = demo_time(self.now, demo.days_ago, demo.hour, demo.minute)
            holder: dict[str, Post] = {}
            self.add(when, partial(self.write, demo, holder))
            step = datetime.timedelta(minutes=self.rng.randint(8, 50))
            at = when
            for author, body in demo.comments:
                at += step
                self.add(min(at, self.now), partial(self.comment, author, body, holder))
            if demo.reactions:
                choices = [self.rng.random() for _ in range(demo.reactions)]
                kinds = self.rng.choices(
                    [k for k, _w in REACTION_WEIGHTS],
                    [w for _k, w in REACTION_WEIGHTS],
                    k=demo.reactions,
                )
                first = min(when + datetime.timedelta(minutes=self.rng.randint(2, 30)), self.now)
                later = min(when + datetime.timedelta(hours=self.rng.randint(2, 30)), self.now)
                self.add(first, partial(self.react, demo, holder, choices[:1], kinds[:1]))
                self.add(later, partial(self.react, demo, holder, choices[1:], kinds[1:]))

    def write(self, demo: DemoPost, holder: dict[str, Post]) -> None:
        author = self.people[demo.author]
        if demo.space == "":
            space = None
        elif demo.space == "organisation":
            space = space_queries.organisation_space()
        else:
            space = self.spaces.get(demo.space)
            if space is None:
                return
        holder["post"] = actions.create_post(actor=author, body=demo.body, space=space)
        self.count("posts")

    def comment(self, author: str, body: str, holder: dict[str, Post]) -> None:
        post = holder.get("post")
        if post is None or author not in self.people:
            return
        actions.add_comment(actor=self.people[author], post=post, body=body)
        self.count("comments")

    def react(
        self, demo: DemoPost, holder: dict[str, Post], choices: list[float], kinds: list[str]
    ) -> None:
        """The first reaction to a post through `actions.react` (its author is notified, as in
        real use); the others in bulk, with the post's counters recomputed as `react` does:
        through the action, the ~330 other reactions cost 10 s (each notifies the author and
        recounts the bell), in bulk a fraction of a second."""
        post = holder.get("post")
        if post is None or not choices:
            return
        reacted = set(post.reactions.filter(comment__isnull=True).values_list("user_id", flat=True))
        candidates = sorted(
            (u for u in self.audience(demo) if u.pk != post.author_id and u.pk not in reacted),
            key=lambda u: u.pk,
        )
        chosen: dict[int, tuple[User, str]] = {}
        for choice, kind in zip(choices, kinds, strict=True):
            left = [u for u in candidates if u.pk not in chosen]
            if not left:
                break
            person = left[int(choice * len(left))]
            chosen[person.pk] = (person, kind)
        if len(choices) == 1:
            for person, kind in chosen.values():
                actions.react(actor=person, post=post, kind=kind)
        else:
            Reaction.objects.bulk_create(
                [Reaction(user=person, post=post, kind=kind) for person, kind in chosen.values()]
            )
            counts = dict(
                Reaction.objects.filter(post=post, comment=None)
                .values_list("kind")
                .annotate(n=Count("id"))
                .values_list("kind", "n")
            )
            Post.objects.filter(pk=post.pk).update(reaction_counts=counts)
        self.count("reactions", len(chosen))


def _record_slug(kind: str, key: str) -> str:
    """The slug of a demo department or site, by its `accounts.demo_data` key."""
    records = demo_data.DEPARTMENTS if kind == "dept" else demo_data.SITES
    return next((r.slug for r in records if r.key == key), key)


def seed_demo_wall(happening: DemoContentWanted) -> None:
    """The `DemoContentWanted` listener: spaces, then the month's posts and announcements."""
    demo = DemoMonth(happening.now)
    if not demo.people:
        return
    demo.plan_spaces()
    demo.run()
    demo.plan_posts()
    emit(DemoMonthPlanned(demo=demo))  # the announcements, by their module
    demo.run()
    for key, value in demo.counts.items():
        happening.counts[key] = happening.counts.get(key, 0) + value

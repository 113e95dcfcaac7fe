"""Bulk spaces, posts, comments and reactions for benchmarks (`manage.py seed_feed`).

Like `cercle.accounts.actions.seed`, this is system-only bulk writing: rows are written with
`bulk_create` in batches, with the derived columns the actions maintain computed here
(`body_html`, `comment_count`, `reaction_counts`, `Space.search_text`), so the data is what the
actions would have produced, in minutes rather than hours. Idempotent per kind of row: spaces
are keyed by slug (`bench-space-00001`); posts, comments and reactions are only added up to the
requested totals.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cercle.accounts.models import Follow, User
from cercle.core.text import normalize
from cercle.feed.models import Comment, Post, Reaction
from cercle.feed.text import render_post_body
from cercle.spaces.models import Membership, Space

BODIES = [
    "Retour sur l'atelier #qualite de ce matin : merci à toutes et à tous !",
    "Quelqu'un a-t-il un modèle de **compte-rendu** pour les revues de projet ?",
    "Nouvelle version de la procédure d'achats en ligne. #achats #procedures",
    "Photos de la journée **portes ouvertes** sur le site de Lyon.",
    "Rappel : la formation *sécurité* a lieu jeudi à 14 h. #securite",
    "Bravo à l'équipe support pour la migration du week-end ! #support",
    "Je cherche un·e expert·e Excel pour un tableau croisé dynamique.",
    "Le comité RSE se réunit mardi. Ordre du jour en commentaire. #rse",
]
COMMENTS = ["Merci !", "Bonne idée.", "Je m'inscris.", "Super 👏", "Pour quand ?", "+1"]
KINDS = ["like", "love", "celebrate", "insightful", "funny", "support"]
BATCH = 5000


@dataclass
class SeedReport:
    spaces: int = 0
    memberships: int = 0
    posts: int = 0
    comments: int = 0
    reactions: int = 0


@contextlib.contextmanager
def _own_timestamps() -> Iterator[None]:
    """Let bulk_create keep the created_at we give (spread over a year), not "now"."""
    fields = [Post._meta.get_field("created_at"), Comment._meta.get_field("created_at")]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _spaces(count: int, people: list[int], rng: random.Random, big: int) -> list[Space]:
    existing = {s.slug: s for s in Space.objects.filter(slug__startswith="bench-space-")}
    new = []
    for i in range(1, count + 1):
        slug = f"bench-space-{i:05d}"
        if slug in existing:
            continue
        kind = rng.choices(["open", "request", "private", "secret"], [70, 15, 10, 5])[0]
        name = f"Espace {i:05d}"
        new.append(
            Space(
                name=name,
                slug=slug,
                kind=kind,
                description="Espace généré pour les mesures.",
                search_text=normalize(f"{name} espace genere pour les mesures"),
            )
        )
    Space.objects.bulk_create(new, batch_size=BATCH)
    spaces = list(Space.objects.filter(slug__startswith="bench-space-").order_by("slug"))
    have = set(
        Membership.objects.filter(space__in=spaces).values_list("space_id", flat=True).distinct()
    )
    rows = []
    for index, space in enumerate(spaces):
        if space.pk in have:
            continue
        size = big if index == 0 else rng.randint(10, 200)
        members = rng.sample(people, min(size, len(people)))
        rows += [
            Membership(space=space, user_id=uid, role="owner" if n == 0 else "member")
            for n, uid in enumerate(members)
        ]
        if len(rows) >= BATCH:
            Membership.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    Membership.objects.bulk_create(rows, ignore_conflicts=True)
    return spaces


def _bench_user(username: str, spaces: list[Space], people: list[int], rng: random.Random) -> None:
    """The benchmark's viewer: a member of 50 spaces, following 200 people."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return
    chosen = spaces[:50]
    Membership.objects.bulk_create(
        [Membership(space=s, user=user, role="member") for s in chosen], ignore_conflicts=True
    )
    others = [p for p in people if p != user.pk]
    Follow.objects.bulk_create(
        [
            Follow(follower=user, followed_id=uid)
            for uid in rng.sample(others, min(200, len(others)))
        ],
        ignore_conflicts=True,
    )


def seed_feed(
    *,
    spaces: int,
    posts: int,
    comments: int,
    reactions: int,
    bench_user: str = "admin",
    big_space: int = 5000,
    seed: int = 3,
    progress: Callable[[str], None] = lambda _: None,
) -> SeedReport:
    rng = random.Random(seed)
    report = SeedReport()
    people = list(
        User.objects.filter(is_active=True).exclude(role="guest").values_list("pk", flat=True)
    )
    if not people:
        return report
    with transaction.atomic():
        space_list = _spaces(spaces, people, rng, big_space)
        _bench_user(bench_user, space_list, people, rng)
    report.spaces = len(space_list)
    members: dict[int, list[int]] = {}
    for space_id, user_id in Membership.objects.filter(space__in=space_list).values_list(
        "space_id", "user_id"
    ):
        members.setdefault(space_id, []).append(user_id)
    report.memberships = sum(len(v) for v in members.values())
    rendered = [
        render_post_body(b, mentionable=[], hashtag_base="/hashtags/", people_base="/people/")
        for b in BODIES
    ]
    comment_html = [
        render_post_body(c, mentionable=[], hashtag_base="/hashtags/", people_base="/people/")
        for c in COMMENTS
    ]
    missing = max(posts - Post.objects.filter(space__slug__startswith="bench-space-").count(), 0)
    now = timezone.now()
    comments_per_post = comments / posts if posts else 0
    reactions_per_post = reactions / posts if posts else 0
    space_ids = [s.pk for s in space_list]
    weights = [len(members.get(pk, [])) or 1 for pk in space_ids]
    done = 0
    with _own_timestamps():
        while done < missing:
            size = min(BATCH, missing - done)
            batch_posts: list[Post] = []
            plans: list[tuple[int, int]] = []
            for _ in range(size):
                space_id = rng.choices(space_ids, weights)[0]
                who = members.get(space_id) or people
                n_comments = min(
                    int(rng.expovariate(1 / comments_per_post)) if comments_per_post else 0, 200
                )
                n_reactions = min(
                    int(rng.expovariate(1 / reactions_per_post)) if reactions_per_post else 0,
                    len(who),
                )
                index = rng.randrange(len(BODIES))
                counts: dict[str, int] = {}
                batch_posts.append(
                    Post(
                        author_id=rng.choice(who),
                        space_id=space_id,
                        body=BODIES[index],
                        body_html=rendered[index],
                        created_at=now - datetime.timedelta(seconds=rng.randint(0, 365 * 86400)),
                        comment_count=n_comments,
                        reaction_counts=counts,
                    )
                )
                plans.append((n_comments, n_reactions))
            with transaction.atomic():
                Post.objects.bulk_create(batch_posts, batch_size=1000)
                new_comments: list[Comment] = []
                new_reactions: list[Reaction] = []
                for post, (n_comments, n_reactions) in zip(batch_posts, plans, strict=True):
                    who = members.get(post.space_id or 0) or people
                    for c in range(n_comments):
                        i = rng.randrange(len(COMMENTS))
                        new_comments.append(
                            Comment(
                                post_id=post.pk,
                                author_id=rng.choice(who),
                                body=COMMENTS[i],
                                body_html=comment_html[i],
                                created_at=post.created_at + datetime.timedelta(minutes=c + 1),
                            )
                        )
                    counts = {}
                    for uid in rng.sample(who, n_reactions):
                        kind = rng.choice(KINDS)
                        counts[kind] = counts.get(kind, 0) + 1
                        new_reactions.append(Reaction(user_id=uid, post_id=post.pk, kind=kind))
                    post.reaction_counts = counts
                Comment.objects.bulk_create(new_comments, batch_size=2000)
                Reaction.objects.bulk_create(new_reactions, batch_size=2000, ignore_conflicts=True)
                Post.objects.bulk_update(batch_posts, ["reaction_counts"], batch_size=1000)
            done += size
            report.posts += size
            report.comments += len(new_comments)
            report.reactions += len(new_reactions)
            progress(f"{done}/{missing} posts")
    return report


def seed_demo_wall() -> bool:
    """A few spaces, posts, comments, reactions and an announcement for the demo organisation,
    written through the actions (as real people would). Idempotent: does nothing once the
    "club-velo" space exists or when there are fewer than 6 people. Returns True if it wrote."""
    from cercle.feed import actions
    from cercle.spaces import actions as space_actions
    from cercle.spaces import queries as space_queries

    if Space.objects.filter(slug="club-velo").exists():
        return False
    people = list(
        User.objects.filter(is_active=True)
        .exclude(role="guest")
        .exclude(username__startswith="scale-")
        .order_by("pk")[:12]
    )
    if len(people) < 6:
        return False
    staff = next((p for p in people if p.role in ("staff", "admin")), people[0])
    a, b, c, d, e, f = people[:6]
    with transaction.atomic():
        club = space_actions.create_space(
            actor=a, name="Club vélo", description="Sorties du dimanche et vélotaf.", kind="open"
        )
        rse = space_actions.create_space(
            actor=b,
            name="Comité RSE",
            description="Responsabilité sociétale : projets et suivi.",
            kind="request",
        )
        for person in (c, d, e):
            space_actions.join_space(actor=person, space=club)
        for person in (c, f):
            request = space_actions.request_to_join(actor=person, space=rse)
            space_actions.decide_join_request(actor=b, join_request=request, accept=True)
        first = actions.create_post(
            actor=a,
            space=club,
            body=f"Sortie dimanche 9 h devant le siège, 60 km. Qui vient ? @{c.username} #velo",
        )
        actions.add_comment(actor=c, post=first, body="Présent ! Je prends la pompe.")
        actions.react(actor=d, post=first, kind="celebrate")
        actions.react(actor=e, post=first, kind="like")
        actions.create_post(
            actor=b,
            space=rse,
            body="Bilan carbone 2025 : le **rapport** est en ligne. Retours avant vendredi. #rse",
        )
        news = actions.create_post(
            actor=staff,
            space=space_queries.organisation_space(),
            body="Bienvenue sur Cercle, notre réseau social d'entreprise ! Présentez-vous en "
            "commentaire. #bienvenue",
        )
        actions.announce(actor=staff, post=news)
        actions.create_post(
            actor=d, body="Je cherche un binôme pour le hackathon de mars. #hackathon"
        )
    return True

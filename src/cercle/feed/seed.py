"""Bulk spaces, posts, comments and reactions for benchmarks (`manage.py seed_feed`).

Like `cercle.accounts.actions.seed`, this is system-only bulk writing: spaces and memberships
with `bulk_create`; posts, comments and reactions straight into their tables (`COPY` on
PostgreSQL, `executemany` on SQLite, 20,000 posts per transaction), with the derived columns the
actions maintain computed while generating (`body_html`, `comment_count`, `reaction_counts`,
`Space.search_text`), so the data is what the actions would have produced, in minutes rather
than hours (1,000,000 posts, 2,000,000 comments, 5,000,000 reactions). Idempotent per kind of
row: spaces are keyed by slug (`bench-space-00001`); posts, comments and reactions are only
added up to the requested totals.
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone

from cercle.accounts.models import Follow, User
from cercle.core.text import normalize
from cercle.feed.models import Post
from cercle.feed.text import render_post_body
from cercle.spaces import queries as space_queries
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
POST_BATCH = 20_000


@dataclass
class SeedReport:
    spaces: int = 0
    memberships: int = 0
    posts: int = 0
    comments: int = 0
    reactions: int = 0


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
    space_queries.change_roles_version(user.pk)  # bulk writes send no signal
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
    now = timezone.now().replace(microsecond=0)
    # Spread over the past year in id order, as real posts are written: newest ids newest.
    span = 365 * 86400
    slot = span / missing if missing else 0
    comments_per_post = comments / posts if posts else 0
    reactions_per_post = reactions / posts if posts else 0
    space_ids = [s.pk for s in space_list]
    weights = [len(members.get(pk, [])) or 1 for pk in space_ids]
    cumulative = list(itertools.accumulate(weights))
    next_id = (Post.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    writer = _RowWriter(connection)
    done = 0
    try:
        while done < missing:
            size = min(POST_BATCH, missing - done)
            post_rows: list[tuple[object, ...]] = []
            comment_rows: list[tuple[object, ...]] = []
            reaction_rows: list[tuple[object, ...]] = []
            for offset, space_id in enumerate(
                rng.choices(space_ids, cum_weights=cumulative, k=size)
            ):
                who = members.get(space_id) or people
                n_comments = min(_draw(rng, comments_per_post), 200)
                n_reactions = min(_draw(rng, reactions_per_post), len(who))
                index = rng.randrange(len(BODIES))
                position = (done + offset + rng.random()) * slot
                created = now - datetime.timedelta(seconds=int(span - position))
                post_id = next_id
                next_id += 1
                for c in range(n_comments):
                    i = rng.randrange(len(COMMENTS))
                    comment_rows.append(
                        (
                            post_id,
                            rng.choice(who),
                            COMMENTS[i],
                            comment_html[i],
                            writer.when(created + datetime.timedelta(minutes=c + 1)),
                            "{}",
                        )
                    )
                counts: dict[str, int] = {}
                stamp = writer.when(created)
                for uid in rng.sample(who, n_reactions):
                    kind = KINDS[rng.randrange(len(KINDS))]
                    counts[kind] = counts.get(kind, 0) + 1
                    reaction_rows.append((post_id, uid, kind, stamp))
                post_rows.append(
                    (
                        post_id,
                        rng.choice(who),
                        space_id,
                        BODIES[index],
                        rendered[index],
                        stamp,
                        n_comments,
                        0,
                        json.dumps(counts, separators=(",", ":")),
                        "",  # not an activity post (no default in the table: Django's own)
                        0,
                        "[]",
                    )
                )
            writer.write(post_rows, comment_rows, reaction_rows)
            done += size
            report.posts += size
            report.comments += len(comment_rows)
            report.reactions += len(reaction_rows)
            progress(f"{done}/{missing} posts")
    finally:
        writer.finish(wrote=done > 0)
    return report


def _draw(rng: random.Random, mean: float) -> int:
    """A count with the given mean, spread like real threads (many small, a few large)."""
    if not mean:
        return 0
    value = rng.expovariate(1 / mean)
    whole = int(value)
    return whole + (1 if rng.random() < value - whole else 0)


POST_COLUMNS = (
    "id, author_id, space_id, body, body_html, created_at, comment_count, share_count, "
    "reaction_counts, activity_kind, activity_count, activity_items"
)
COMMENT_COLUMNS = "post_id, author_id, body, body_html, created_at, reaction_counts"
REACTION_COLUMNS = "post_id, user_id, kind, created_at"
# Fixed statements (no input in them), for SQLite's executemany.
INSERT_POST = (
    "INSERT INTO feed_post (id, author_id, space_id, body, body_html, created_at, comment_count, "
    "share_count, reaction_counts, activity_kind, activity_count, activity_items) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_COMMENT = (
    "INSERT INTO feed_comment (post_id, author_id, body, body_html, created_at, reaction_counts) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_REACTION = (
    "INSERT INTO feed_reaction (post_id, user_id, kind, created_at) VALUES (?, ?, ?, ?)"
)


class _RowWriter:
    """Writes generated rows straight to the tables, bypassing the ORM: `COPY` on PostgreSQL
    (with foreign-key triggers off for the session when allowed: the rows are consistent by
    construction), `executemany` on SQLite. One transaction per batch of posts."""

    def __init__(self, conn: BaseDatabaseWrapper) -> None:
        self.conn = conn
        self.postgres = conn.vendor == "postgresql"
        conn.ensure_connection()
        self.replica = False
        with conn.cursor() as cursor:
            if self.postgres:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
                if row and row[0]:
                    cursor.execute("SET session_replication_role = replica")
                    self.replica = True
            elif not conn.in_atomic_block:  # (not inside a test's transaction)
                cursor.execute("PRAGMA cache_size = -1000000")
                cursor.execute("PRAGMA synchronous = OFF")

    def when(self, value: datetime.datetime) -> object:
        if self.postgres:
            return value
        return value.strftime("%Y-%m-%d %H:%M:%S")

    def write(
        self,
        post_rows: list[tuple[object, ...]],
        comment_rows: list[tuple[object, ...]],
        reaction_rows: list[tuple[object, ...]],
    ) -> None:
        with transaction.atomic(), self.conn.cursor() as wrapper:
            cursor = wrapper.cursor  # the driver's cursor
            if self.postgres:
                for table, columns, rows in (
                    ("feed_post", POST_COLUMNS, post_rows),
                    ("feed_comment", COMMENT_COLUMNS, comment_rows),
                    ("feed_reaction", REACTION_COLUMNS, reaction_rows),
                ):
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                cursor.executemany(
                    INSERT_POST,
                    post_rows,
                )
                cursor.executemany(
                    INSERT_COMMENT,
                    comment_rows,
                )
                cursor.executemany(
                    INSERT_REACTION,
                    reaction_rows,
                )

    def finish(self, *, wrote: bool) -> None:
        with self.conn.cursor() as cursor:
            if self.postgres:
                if self.replica:
                    cursor.execute("SET session_replication_role = DEFAULT")
                if wrote:
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence('feed_post', 'id'), "
                        "(SELECT max(id) FROM feed_post))"
                    )
            elif not self.conn.in_atomic_block:
                cursor.execute("PRAGMA synchronous = NORMAL")
            if wrote:
                cursor.execute("ANALYZE")

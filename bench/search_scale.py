#!/usr/bin/env python3
"""Global search at the issue's scale (issue 13), through the real server, beside `LIKE` scans.

One command per run; the defaults are the issue's scale (1,000,000 posts and comments,
1,000,000 messages, 100,000 people, 20,000 pages, 100,000 files' text):

    .venv/bin/python bench/search_scale.py --db both                   # the issue's scale
    .venv/bin/python bench/search_scale.py --db sqlite --scale 0.05    # a twentieth of it

For each database (SQLite in a var dir; PostgreSQL in a database `<name>_searchscale`), it
migrates, seeds the people (`seed_demo --scale`), then writes the content **in bulk** (rows only,
no signals, as an import would): spaces, posts and comments (`seed_feed`, with text drawn from
Debian's `snowball-data` French and English vocabularies on a Zipf law instead of its eight
sentences), messages in group conversations, pages in the spaces, and files with their extracted
text. The index is then built by the real `rebuild_search_index` (timed), the tables analysed, and
`uvicorn cercle.asgi:application` (one worker) is timed sequentially over `--requests` varied
French and English queries (single common, middling and rare words, two words, a word and a
prefix, phrases taken from the seeded text, English words, words found nowhere):
`GET /search/?q=` (the results page), `GET /api/v1/search?q=`, `GET /api/v1/search/suggest?q=`.
Then, in one process, the same queries as plain `LIKE '%word%'` scans over the same tables
(posts, comments, messages, pages, files' text, profiles), and the index's size against the
data's. The slowest 5 % of each endpoint's queries are kept in the report (`slowest`: text,
shape, ms, the API's counts per kind) and the ten slowest printed. `--keep DIR` keeps the
seeded database (SQLite under DIR; PostgreSQL: not dropped) and reuses it on the next run
(`--reuse`, which applies this code's migrations first).

Only 127.0.0.1 is ever targeted. Shares its helpers with the other benchmarks (bench/common.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # bench/common.py: what the benchmarks share

VOCABULARY = Path("/usr/share/snowball/data")
SEED = 13
ABSENT = ["xylophoniste", "brontosaure", "zanzibarite"]


def vocabulary(language: str, limit: int = 12_000) -> list[str]:
    """A language's words (Debian's `snowball-data`), shuffled once: their rank is their
    frequency's (Zipf)."""
    path = VOCABULARY / language / "voc.txt"
    if not path.exists():
        raise SystemExit(f"{path} is missing: apt-get install snowball-data")
    words = [w for w in path.read_text().split() if len(w) >= 3 and w.isalpha()]
    random.Random(SEED).shuffle(words)
    return words[:limit]


def queries(count: int, french: list[str], english: list[str], seed: int = 3) -> list[str]:
    """Varied queries: common (the 50 most frequent words), middling (ranks 200–2,000) and rare
    (ranks 5,000+) words, two words, a word and a prefix, phrases (two words in a row as the
    seeding writes them: see `sentence`), English words, words found nowhere."""
    rng = random.Random(seed)
    made: list[str] = []
    for i in range(count):
        shape = i % 10
        if shape == 0:
            made.append(rng.choice(french[:50]))
        elif shape == 1:
            made.append(rng.choice(french[200:2000]))
        elif shape == 2:
            made.append(rng.choice(french[5000:]))
        elif shape == 3:
            made.append(f"{rng.choice(french[:300])} {rng.choice(french[:300])}")
        elif shape == 4:
            made.append(f"{rng.choice(french[:500])} {rng.choice(french[:2000])[:4]}")
        elif shape == 5:
            made.append(rng.choice(french[:1000])[:4])
        elif shape == 6:
            made.append(f'"{rng.choice(french[:100])} {rng.choice(french[:100])}"')
        elif shape == 7:
            made.append(rng.choice(english[:1000]))
        elif shape == 8:
            made.append(f"{rng.choice(english[:300])} {rng.choice(english[:2000])}")
        else:
            made.append(rng.choice(ABSENT + french[8000:]))
    return made


SEED_CODE = r"""
import bisect, hashlib, itertools, json, random, time
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from cercle.accounts.models import User
from cercle.chat.models import Conversation, Membership as ChatMembership, Message
from cercle.core.text import normalize
from cercle.documents import actions as documents
from cercle.documents.models import Blob, BlobText, Document, Version
from cercle.feed import seed as feed_seed
from cercle.pages.models import Page
from cercle.spaces.models import Membership, Space

french, english = {french!r}, {english!r}
sizes = {sizes!r}
rng = random.Random(17)
# Zipf: the word of rank r is drawn with a weight 1/(r+1).
def weights(n):
    total, acc = 0.0, []
    for r in range(n):
        total += 1.0 / (r + 1)
        acc.append(total)
    return acc
fr_acc, en_acc = weights(len(french)), weights(len(english))
def word(words, acc):
    return words[bisect.bisect(acc, rng.random() * acc[-1])]
def sentence(n, english_share=0.2):
    words, acc = (english, en_acc) if rng.random() < english_share else (french, fr_acc)
    return " ".join(word(words, acc) for _ in range(n)).capitalize() + "."
def text(sentences, n):
    return " ".join(sentence(n) for _ in range(sentences))

started = time.perf_counter()
timings = {{}}
# Posts and comments: the feed's own bulk seeding, with varied text.
feed_seed.BODIES = [text(2, 9) for _ in range(20_000)]
feed_seed.COMMENTS = [sentence(8) for _ in range(10_000)]
feed_seed.seed_feed(spaces=sizes["spaces"], posts=sizes["posts"], comments=sizes["comments"],
                    reactions=0, bench_user="scale-000001", big_space=min(2000, sizes["people"]))
timings["feed"] = round(time.perf_counter() - started, 1)

spaces = list(Space.objects.filter(slug__startswith="bench-space-").order_by("pk"))
members = {{}}
pairs = Membership.objects.filter(space__in=spaces).values_list("space_id", "user_id")
for space_id, user_id in pairs:
    members.setdefault(space_id, []).append(user_id)
people = list(
    User.objects.filter(username__startswith="scale-").order_by("pk").values_list("pk", flat=True)
)
now = timezone.now().replace(microsecond=0)
year = 365 * 86400

# Messages: group conversations of 20 people (the viewer in some), spread over a year.
t = time.perf_counter()
groups = max(1, sizes["messages"] // 2000)
viewer = people[0]
with transaction.atomic():
    conversations = Conversation.objects.bulk_create(
        [Conversation(kind="group", name=f"Groupe {{i}}", created_by_id=viewer)
         for i in range(groups)])
    rows, in_group = [], {{}}
    for i, conversation in enumerate(conversations):
        chosen = set(rng.sample(people, min(20, len(people))))
        if i % 10 == 0:
            chosen.add(viewer)
        in_group[conversation.pk] = sorted(chosen)
        rows += [ChatMembership(conversation=conversation, user_id=u) for u in chosen]
    ChatMembership.objects.bulk_create(rows, batch_size=5000)
counter = itertools.count()
for start in range(0, sizes["messages"], 20_000):
    batch = []
    for n in range(start, min(start + 20_000, sizes["messages"])):
        conversation = conversations[n % groups]
        body = sentence(rng.randint(4, 14))
        sender = rng.choice(in_group[conversation.pk])
        batch.append(Message(conversation=conversation, sender_id=sender,
                             client_id=f"bench-{{next(counter)}}", body=body, body_html=body,
                             body_normalized=normalize(body)))
    with transaction.atomic():
        Message.objects.bulk_create(batch, batch_size=5000)
timings["messages"] = round(time.perf_counter() - t, 1)

# Pages: in the bench spaces, a title and a few paragraphs each.
t = time.perf_counter()
for start in range(0, sizes["pages"], 5000):
    batch = []
    for n in range(start, min(start + 5000, sizes["pages"])):
        space = spaces[n % len(spaces)]
        title = sentence(3).rstrip(".")
        batch.append(Page(space=space, title=title, slug=f"page-{{n}}", title_key=normalize(title),
                          body="\n\n".join(f"## {{sentence(2).rstrip('.')}}\n{{text(4, 10)}}"
                                             for _ in range(3)),
                          owner_id=rng.choice(members.get(space.pk) or people), position=n))
    with transaction.atomic():
        Page.objects.bulk_create(batch, batch_size=2500)
timings["pages"] = round(time.perf_counter() - t, 1)

# Files: in the spaces' libraries, with their extracted text (rows only: the search reads the
# text, never the bytes).
t = time.perf_counter()
libraries = {{}}
for space in spaces[:50]:
    libraries[space.pk] = documents.root_of(documents.space_library(space=space))
roots = list(libraries.values())
for start in range(0, sizes["files"], 2000):
    numbers = range(start, min(start + 2000, sizes["files"]))
    texts = [text(rng.randint(5, 40), 12) + f" numéro {{n}}" for n in numbers]
    with transaction.atomic():
        blobs = Blob.objects.bulk_create([
            Blob(sha256=hashlib.sha256(x.encode()).hexdigest(), size=len(x.encode()),
                 key=f"bench/{{n}}", kind="text", text_state="done", analysed_at=now)
            for n, x in zip(numbers, texts)])
        BlobText.objects.bulk_create([BlobText(blob=b, text=x) for b, x in zip(blobs, texts)])
        owner = people[0]
        docs = Document.objects.bulk_create([
            Document(library=roots[n % len(roots)].library, folder=roots[n % len(roots)],
                     name=f"{{sentence(2).rstrip('.').lower().replace(' ', '-')}}-{{n}}."
                          + ("pdf", "docx", "xlsx", "txt", "odt")[n % 5], created_by_id=owner)
            for n in numbers])
        versions = Version.objects.bulk_create([
            Version(document=d, number=1, blob=b, size=b.size, content_type="text/plain",
                    created_by_id=owner) for d, b in zip(docs, blobs)])
        for d, v in zip(docs, versions):
            d.current = v
        Document.objects.bulk_update(docs, ["current"])
timings["files"] = round(time.perf_counter() - t, 1)
timings["total"] = round(time.perf_counter() - started, 1)
print("SEED=" + json.dumps(timings))
"""

LIKE_CODE = r"""
import json, time
from django.db import connection
from cercle.core.text import normalize
texts = {texts!r}
tables = [("feed_post", "id", "body"), ("feed_comment", "id", "body"),
          ("chat_message", "id", "body"), ("pages_page", "id", "body"),
          ("documents_blobtext", "blob_id", "text"), ("accounts_profile", "user_id", "search_text")]
runs = []
with connection.cursor() as cursor:
    for text in texts:
        words = [w for w in text.replace('"', " ").split() if w]
        t0 = time.perf_counter()
        for table, key, column in tables:
            # The newest 20 holding every word (a profile's text is kept normalised).
            where = " AND ".join([f"{{column}} LIKE %s"] * len(words))
            cursor.execute(f"SELECT {{key}} FROM {{table}} WHERE {{where}} ORDER BY {{key}} DESC"
                           " LIMIT 20",
                           ["%" + (normalize(w) if table == "accounts_profile" else w) + "%"
                            for w in words])
            cursor.fetchall()
        runs.append((time.perf_counter() - t0) * 1000)
    sizes = {{}}
    data = ["feed_post", "feed_comment", "chat_message", "pages_page", "documents_blobtext",
            "accounts_profile", "accounts_user"]
    index = ["search_searchdocument", "search_fts", "search_trigram", "search_names",
             "search_titles", "search_vector", "search_title"]
    for table in data + index:
        try:
            if connection.vendor == "sqlite":  # a table, its indexes, FTS5's shadow tables
                shadow = table + "_%" if table.startswith("search_") else table
                cursor.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name FROM"
                               " sqlite_master WHERE tbl_name = %s OR name LIKE %s) AND EXISTS"
                               " (SELECT 1 FROM sqlite_master WHERE name = %s)",
                               [table, shadow, table])
            else:  # with its indexes and TOAST; NULL if there is no such table here
                cursor.execute("SELECT pg_total_relation_size(to_regclass(%s))", [table])
            sizes[table] = cursor.fetchone()[0]
        except Exception as error:
            sizes[table] = str(error)
    cursor.execute("SELECT kind, count(*) FROM search_searchdocument GROUP BY kind")
    documents = dict(cursor.fetchall())
runs.sort()
def pct(p):
    return round(runs[min(len(runs) - 1, int(round(p * (len(runs) - 1))))], 1)
print("LIKE=" + json.dumps({{"queries": len(runs), "median_ms": pct(0.5), "p95_ms": pct(0.95),
    "p99_ms": pct(0.99), "sizes": sizes, "documents": documents}}))
"""

SESSION_CODE = r"""
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from cercle.accounts.models import ApiToken, User
from cercle.accounts.tokens import generate_token_secret, hash_token
user = User.objects.get(username={viewer!r})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
secret = generate_token_secret()
ApiToken.objects.create(user=user, name="search-scale", key_hash=hash_token(secret),
                        prefix=secret[:12])
print("SESSION=" + session.session_key + " " + secret)
"""


def sizes_for(args: argparse.Namespace) -> dict[str, int]:
    scale = args.scale

    def scaled(value: int) -> int:
        return max(1, int(value * scale))

    return {
        "people": max(100, scaled(args.people)),
        "spaces": max(10, scaled(1000)),
        "posts": scaled(args.posts_and_comments // 2),
        "comments": scaled(args.posts_and_comments - args.posts_and_comments // 2),
        "messages": scaled(args.messages),
        "pages": scaled(args.pages),
        "files": scaled(args.files),
    }


def seed(env: dict[str, str], sizes: dict[str, int], french: list[str], english: list[str]) -> Any:
    common.manage(env, "migrate", "--noinput", quiet=True)
    print(f"    seed_demo --scale {sizes['people']}…", flush=True)
    common.manage(env, "seed_demo", "--scale", str(sizes["people"]), quiet=True)
    print(f"    content in bulk: {sizes}…", flush=True)
    code = SEED_CODE.format(french=french[:6000], english=english[:3000], sizes=sizes)
    return json.loads(common.shell_value(env, code, "SEED"))


def stats(endpoint: str, seconds: list[float], errors: int) -> dict[str, Any]:
    ordered = sorted(ms * 1000 for ms in seconds)

    def pct(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, -int(-share * len(ordered)) - 1))], 1)

    return {
        "endpoint": endpoint,
        "requests": len(ordered),
        "errors": errors,
        "median_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1], 1),
        "load_average": os.getloadavg()[0],
    }


SHAPES = (
    "common word",
    "middling word",
    "rare word",
    "two words",
    "word and prefix",
    "prefix",
    "phrase",
    "English word",
    "two English words",
    "word found nowhere",
)


def shape_of(index: int) -> str:
    """The kind of query `queries` made at this index (its shape: index % 10)."""
    return SHAPES[index % len(SHAPES)]


def slowest(
    texts: list[str], seconds: list[float], details: list[str], share: float = 0.05
) -> list[dict[str, Any]]:
    """The slowest `share` of the queries, slowest first: text, shape, ms, what they found."""
    order = sorted(range(len(seconds)), key=lambda i: seconds[i], reverse=True)
    return [
        {
            "q": texts[i],
            "shape": shape_of(i),
            "ms": round(seconds[i] * 1000, 1),
            "found": details[i],
        }
        for i in order[: max(1, int(len(order) * share))]
    ]


def _counts(response: Any) -> str:
    """The API's counts per kind ("post 1000+ comment 12"), or the suggestions' number."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if "counts" not in body:
        return f"{len(body.get('items', []))} suggestions"
    return " ".join(f"{c['kind']} {c['count']}{'+' if c['capped'] else ''}" for c in body["counts"])


def timed_requests(
    server: common.Server, env: dict[str, str], viewer: str, texts: list[str]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Each endpoint's figures, and its slowest 5 % of queries (with the API's counts per kind:
    what each found)."""
    import httpx

    session, token = common.shell_value(env, SESSION_CODE.format(viewer=viewer), "SESSION").split()
    timings = []
    tails: dict[str, list[dict[str, Any]]] = {}
    api_found: list[str] = [""] * len(texts)
    for endpoint, path in (
        ("GET /api/v1/search", "/api/v1/search?"),
        ("GET /api/v1/search/suggest", "/api/v1/search/suggest?"),
    ):
        headers = {"Authorization": f"Bearer {token}"}
        latencies: list[float] = []
        found: list[str] = []
        failed = 0
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            for text in texts[:20]:
                client.get(path + urlencode({"q": text}))
            for text in texts:
                t0 = time.perf_counter()
                response = client.get(path + urlencode({"q": text}))
                latencies.append(time.perf_counter() - t0)
                failed += response.status_code != 200
                found.append(_counts(response))
        if endpoint == "GET /api/v1/search":
            api_found = found
        timings.append(stats(endpoint, latencies, failed))
        tails[endpoint] = slowest(texts, latencies, found)
    # The results page, as a browser asks for it (session cookie, HTML).
    latencies = []
    failed = 0
    with httpx.Client(base_url=server.url, cookies={"sessionid": session}, timeout=30) as client:
        for text in texts[:20]:
            client.get("/search/", params={"q": text})
        for text in texts:
            t0 = time.perf_counter()
            response = client.get("/search/", params={"q": text})
            latencies.append(time.perf_counter() - t0)
            failed += response.status_code != 200
    endpoint = "GET /search/?q= (page)"
    timings.append(stats(endpoint, latencies, failed))
    tails[endpoint] = slowest(texts, latencies, api_found)
    return timings, tails


def shape_summary(tail: list[dict[str, Any]]) -> str:
    """How many of the slowest queries each shape has ("common word 20, two words 12")."""
    counts: dict[str, int] = {}
    for row in tail:
        counts[row["shape"]] = counts.get(row["shape"], 0) + 1
    return ", ".join(f"{shape} {n}" for shape, n in sorted(counts.items(), key=lambda x: -x[1]))


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    sizes = sizes_for(args)
    french, english = vocabulary("french"), vocabulary("english")
    keep = Path(args.keep) if args.keep else None
    workdir = (keep / database) if keep else Path(tempfile.mkdtemp(prefix="cercle-searchscale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = common.server_env(workdir, CERCLE_TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    if database == "postgresql":
        env["DATABASE_URL"] = common.pg_url_named(
            args.pg_url, common.pg_database_name(args.pg_url) + "_searchscale"
        )
    result: dict[str, Any] = {"database": database, "sizes": sizes, "timings": []}
    marker = workdir / "seeded.json"
    try:
        if args.reuse and marker.exists():
            result.update(json.loads(marker.read_text()))
            common.manage(env, "migrate", "--noinput", quiet=True)  # this code's migrations
        else:
            if database == "postgresql":
                common.recreate_pg_database(env["DATABASE_URL"])
            else:
                (workdir / "cercle.sqlite3").unlink(missing_ok=True)
            started = time.perf_counter()
            result["seed"] = seed(env, sizes, french, english)
            result["seed_seconds"] = round(time.perf_counter() - started, 1)
            print(f"[{database}] rebuild_search_index…", flush=True)
            started = time.perf_counter()
            common.manage(env, "rebuild_search_index", "--batch", "2000", quiet=True)
            result["rebuild_seconds"] = round(time.perf_counter() - started, 1)
            common.analyze(env, database)
            marker.write_text(
                json.dumps({k: result[k] for k in ("seed", "seed_seconds", "rebuild_seconds")})
            )
        texts = queries(args.requests, french, english)
        with common.Server(env, workdir) as server:
            result["timings"], result["slowest"] = timed_requests(server, env, args.viewer, texts)
        code = LIKE_CODE.format(texts=texts[: args.like])
        result["like"] = json.loads(common.shell_value(env, code, "LIKE"))
    finally:
        if not keep:
            if database == "postgresql":
                common.drop_pg_database(env["DATABASE_URL"])
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = common.database_parser(__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="a share of the sizes below")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--posts-and-comments", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--like", type=int, default=200, help="queries also run as LIKE scans")
    parser.add_argument("--viewer", default="scale-000001")
    parser.add_argument("--keep", default="", help="keep the seeded data under this directory")
    parser.add_argument("--reuse", action="store_true", help="reuse the data kept by --keep")
    args = parser.parse_args(argv)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": common.machine(),
        "commit": common.git_commit(),
        "load_average_start": os.getloadavg(),
        "runs": [bench(args, database) for database in common.databases(args)],
        "load_average_end": os.getloadavg(),
    }
    out = common.save_report(f"search-scale-{report['date'][:10]}.json", report)
    print("| database | endpoint | requests | errors | median ms | p95 ms | p99 ms | load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for run in report["runs"]:
        for t in run["timings"]:
            print(
                f"| {run['database']} | {t['endpoint']} | {t['requests']} | {t['errors']} | "
                f"{t['median_ms']} | {t['p95_ms']} | {t['p99_ms']} | "
                f"{t.get('load_average', 0):.1f} |"
            )
        like = run["like"]
        print(
            f"| {run['database']} | LIKE scans over the same tables, in process | "
            f"{like['queries']} | 0 | {like['median_ms']} | {like['p95_ms']} | {like['p99_ms']} | |"
        )
        print(f"  seed: {run.get('seed')}, rebuild: {run.get('rebuild_seconds')} s")
        print(f"  documents: {like['documents']}")
        print(f"  sizes (bytes): {like['sizes']}")
        for endpoint, tail in run.get("slowest", {}).items():
            print(f"  slowest 5 % of {endpoint}: {shape_summary(tail)}")
            for row in tail[:10]:
                print(f"    {row['ms']:>8} ms  {row['shape']:<26} {row['q']!r}: {row['found']}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""The intranet's pages and news at scale, through the real server (uvicorn), on SQLite and
PostgreSQL: a tree of `--pages` pages (default 5,000: the issue's "tree of 5,000 pages"), one
page with `--revisions` revisions (default 500) and 50 comments, `--news` news (default 200, a
tenth featured) and `--links` quick links (default 30), after `--people` people (default
100,000: the issue's scale).

For each database (SQLite in a temporary var dir; PostgreSQL in a database `<pg-url's name>` it
creates and drops) this script migrates, seeds the people in bulk (`seed_demo --scale`: about
100 s for 100,000), writes the tree and the revisions in bulk (the rows the actions would
write), the comments, news and quick links through their actions, refreshes the planner's
statistics, counts the SQL queries of one request of each page in process (load-independent),
starts `uvicorn cercle.asgi:application` on 127.0.0.1 (one worker) and times, as a member of
the organisation logged in by a session cookie, median and p99 over `--requests` requests each
(after `--warmup`):

- `GET /`: the home page (the feed and its panels, 200 news, 30 quick links);
- `GET /spaces/<org>/pages/<page>/` the page with 500 revisions (its comments, the tree);
- `GET …/diff/?from=1&to=500` and `?from=499&to=500`: two revisions side by side;
- `GET …/history/`: its history (the newest 50 revisions; older ones are paged);
- `GET /spaces/<org>/pages/`: the navigation of the tree (drawn folded past 150 pages), then
  `GET …/pages/tree/<section>/`: the pages under a section (the tree's button), and a page three
  levels down with the tree folded around it;
- `GET /news/` and `GET /news/<id>/`: the news list and an article.

    PYTHONPATH=$PWD/src:$PWD .venv/bin/python bench/pages_bench.py --db both

`--keep` leaves the var dir and the PostgreSQL database in place (their paths printed), to read
the seeded data's slow statements and plans afterwards.

Only 127.0.0.1 is ever targeted. Results go to bench/results/pages-<date>.json and a Markdown
table is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # bench/common.py: what the benchmarks share


def seed_in_django(options: dict[str, Any]) -> None:
    """Run inside `manage.py shell` (Django set up, the bench's database): writes the tree, the
    revisions, the comments, the news and the quick links, counts one request's queries for each
    URL, and writes the URLs, the counts and a session cookie for the reader to `options["out"]`.
    """
    from datetime import timedelta
    from functools import partial

    from django.test import Client
    from django.urls import reverse

    from cercle.accounts.models import Role, User
    from cercle.core.text import normalize
    from cercle.homepage import actions as home_actions
    from cercle.news import actions as news_actions
    from cercle.pages import actions, queries
    from cercle.pages.models import Page, PageRevision
    from cercle.spaces.queries import organisation_space

    args = argparse.Namespace(**options)
    started = time.perf_counter()
    writer = User.objects.filter(role__in=[Role.STAFF, Role.ADMIN], is_active=True).first()
    reader = User.objects.filter(role=Role.MEMBER, is_active=True).order_by("pk").first()
    assert writer is not None and reader is not None
    space = organisation_space()

    # The tree: sections of 10 pages of 10 pages (three levels), in bulk, one revision each.
    sections = max(1, -(-args.pages // 111))  # rounded up: the third level is cut to fit
    body = "## Objet\n\nUne procédure ordinaire.\n\n- un point\n- un autre\n\nVoir [[Accueil]].\n"
    made = 0

    def add(titles: list[tuple[str, int | None, int]]) -> list[Page]:
        rows = [
            Page(
                space=space,
                parent_id=parent,
                position=position,
                title=title,
                title_key=normalize(title),
                slug=f"p-{made + n}",
                body=body,
                owner=writer,
                updated_by=writer,
            )
            for n, (title, parent, position) in enumerate(titles)
        ]
        return Page.objects.bulk_create(rows)

    tops = add([(f"Rubrique {s}", None, s) for s in range(sections)])
    made += len(tops)
    seconds = add(
        [(f"Page {t.pk}-{n}", t.pk, n) for t in tops for n in range(10) if made < args.pages]
    )
    made += len(seconds)
    third: list[tuple[str, int | None, int]] = []
    for p in seconds:
        third += [(f"Fiche {p.pk}-{n}", p.pk, n) for n in range(10)]
    third = third[: max(0, args.pages - made)]
    made += len(add(third))
    PageRevision.objects.bulk_create(
        [
            PageRevision(page_id=pk, number=1, title=title, body=body, author=writer)
            for pk, title in Page.objects.filter(space=space).values_list("pk", "title")
        ],
        ignore_conflicts=True,
    )
    # One page with many revisions, each changing a few lines of a 60-line text.
    page = actions.create_page(actor=writer, space=space, title="Procédure des congés")
    lines = [f"Ligne {n} : une règle du règlement intérieur, assez longue." for n in range(60)]
    revisions = []
    for number in range(2, args.revisions + 1):
        lines[number % 60] = f"Ligne {number % 60} : modifiée à la version {number}."
        revisions.append(
            PageRevision(
                page=page,
                number=number,
                title=page.title,
                body="\n".join(lines),
                summary=f"Version {number}",
                author=writer,
            )
        )
    PageRevision.objects.bulk_create(revisions)
    Page.objects.filter(pk=page.pk).update(revision=args.revisions, body="\n".join(lines))
    for n in range(50):
        actions.add_comment(actor=writer, page=page, body=f"Commentaire {n}")
    queries.tree_changed(space)  # as the actions do: the pages written in bulk above are in it
    count = Page.objects.filter(space=space).count()
    # The home page's news and quick links, through their actions.
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).first()
    assert admin is not None
    now = datetime.now(UTC)
    categories = [
        news_actions.create_category(actor=admin, name=f"Catégorie {n}") for n in range(6)
    ]
    for n in range(args.news):
        news_actions.create_article(
            actor=admin,
            data=news_actions.ArticleInput(
                title=f"Actualité {n} : un titre de longueur ordinaire",
                summary="Un résumé de deux lignes qui dit l'essentiel de l'article. " * 2,
                body="## Le détail\n\nDu **texte**, une liste :\n\n- un\n- deux\n" * 5,
                category=categories[n % len(categories)],
                featured=n % 10 == 0,
                published_at=now - timedelta(hours=n * 3),
            ),
        )
    for n in range(args.links):
        home_actions.save_link(
            actor=admin,
            data=home_actions.LinkInput(
                place="home",
                label_fr=f"Lien {n}",
                label_en=f"Link {n}",
                url=f"https://intranet.example.org/outil-{n}",
            ),
        )
    print(
        f"pages, news and links written in {round(time.perf_counter() - started, 1)} s: "
        f"{count} pages, {args.news} news, {args.links} quick links",
        flush=True,
    )
    section = Page.objects.filter(space=space, parent__isnull=True).order_by("position").first()
    deep = Page.objects.filter(space=space, parent__parent__isnull=False).order_by("-pk").first()
    assert section is not None and deep is not None
    from cercle.news.models import Article

    article = Article.objects.filter(featured=False).order_by("-published_at").first()
    assert article is not None

    base = f"/spaces/{space.slug}/pages/"
    urls = {
        f"home ({args.news} news, {args.links} quick links, the feed)": "/",
        f"page ({args.revisions} revisions, 50 comments)": f"{base}{page.slug}/",
        f"diff 1 → {args.revisions}": f"{base}{page.slug}/diff/?from=1&to={args.revisions}",
        f"diff {args.revisions - 1} → {args.revisions}": (
            f"{base}{page.slug}/diff/?from={args.revisions - 1}&to={args.revisions}"
        ),
        f"history ({args.revisions} revisions, newest 50)": f"{base}{page.slug}/history/",
        f"tree of {count} pages (list of pages)": base,
        "tree: pages under a section (its button)": f"{base}tree/{section.pk}/",
        "a page three levels down (tree folded around it)": f"{base}{deep.slug}/",
        f"news list ({args.news} news)": reverse("news"),
        "a news article": reverse("news_article", args=[article.pk]),
    }
    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)
    queries_of = {}
    for label, url in urls.items():
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        queries_of[label], _response = common.count_queries(partial(client.get, url))
    login = Client(SERVER_NAME="localhost")
    login.force_login(reader)
    Path(args.out).write_text(
        json.dumps(
            {
                "pages": count,
                "urls": urls,
                "queries": queries_of,
                "cookie": {k: v.value for k, v in login.cookies.items()},
            }
        )
    )


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    result: dict[str, Any] = {"database": database, "timings": {}}
    prefix = f"cercle-pages-bench-{database}-"
    with common.scratch_site(database, args.pg_url, prefix, keep=args.keep) as (workdir, env):
        started = time.perf_counter()
        common.manage(env, "migrate", "--noinput", quiet=True)
        print(f"[{database}] seed {args.people} people…", flush=True)
        common.manage(env, "seed_demo", "--scale", str(args.people), "--batch-size", "5000")
        result["people_seconds"] = round(time.perf_counter() - started, 1)
        out = workdir / "seeded.json"
        options = {
            "pages": args.pages,
            "revisions": args.revisions,
            "news": args.news,
            "links": args.links,
            "out": str(out),
        }
        output = common.shell_call(env, "pages_bench", "seed_in_django", options)
        print(output.strip(), flush=True)
        common.analyze(env, database)
        result["seed_seconds"] = round(time.perf_counter() - started, 1)
        print(f"    seeded in {result['seed_seconds']} s", flush=True)
        seeded = json.loads(out.read_text())
        result["pages"] = seeded["pages"]
        result["timings"] = common.time_seeded_urls(
            env, workdir, database, seeded, args.requests, args.warmup
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = common.database_parser(__doc__, common.DEFAULT_PG_URL + "_pages")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--news", type=int, default=200)
    parser.add_argument("--links", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--keep", action="store_true", help="keep the var dir and the PostgreSQL database"
    )
    args = parser.parse_args(argv)
    runs = [bench(args, database) for database in common.databases(args)]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": common.git_commit(),
        "machine": common.machine(),
        "arguments": vars(args),
        "runs": runs,
    }
    out = common.save_report(f"pages-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json", report, indent=1)
    print(common.url_timings_table(runs))
    print(f"(written to {out.relative_to(common.ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""The intranet's pages at scale: a tree of `--pages` pages (default 5,000: the issue's "tree of
5,000 pages"), one page with `--revisions` revisions (default 500) and 50 comments, after
`--people` people (`seed_demo --scale`; the issue's scale is 100,000).

In a temporary var dir (SQLite), this script migrates, seeds the people, writes the tree and the
revisions in bulk (the rows the actions would write), then times, as a member of the
organisation, through Django's test client in process (no network), median and p99 over
`--requests` requests each, with the number of SQL queries of one request (load-independent):

- `GET /spaces/<org>/pages/<page>/` the page with 500 revisions (and its comments, the tree);
- `GET …/diff/?from=1&to=500` and `?from=499&to=500`: two revisions side by side;
- `GET …/history/`: its history (the newest 50 revisions; older ones are paged);
- `GET /spaces/<org>/pages/`: the navigation of the tree (drawn folded past 150 pages), then
  `GET …/pages/tree/<section>/`: the pages under a section (the tree's button), and a page three
  levels down with the tree folded around it;
- `GET /`: the home page (the feed and its panels) with `--news` news (default 200, a tenth
  featured) and `--links` quick links (default 30): the issue's "home page with 200 news and
  30 quick links".

    .venv/bin/python bench/pages_bench.py --people 100000 --pages 5000 --revisions 500

Results go to bench/results/pages-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--news", type=int, default=200)
    parser.add_argument("--links", type=int, default=30)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="cercle-pages-bench-"))
    os.environ["CERCLE_VAR_DIR"] = str(workdir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cercle.accounts.models import Role, User
    from cercle.core.text import normalize
    from cercle.homepage import actions as home_actions
    from cercle.news import actions as news_actions
    from cercle.pages import actions, queries
    from cercle.pages.models import Page, PageRevision
    from cercle.spaces.queries import organisation_space

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--scale", str(args.people), verbosity=0)
    print(f"people seeded in {round(time.perf_counter() - started, 1)} s", flush=True)
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
    seeded = round(time.perf_counter() - started, 1)
    print(
        f"seeded in {seeded} s: {args.people} people, {count} pages, {args.news} news, "
        f"{args.links} quick links",
        flush=True,
    )
    section = Page.objects.filter(space=space, parent__isnull=True).order_by("position").first()
    deep = Page.objects.filter(space=space, parent__parent__isnull=False).order_by("-pk").first()
    assert section is not None and deep is not None

    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)
    base = f"/spaces/{space.slug}/pages/"
    urls = {
        f"page ({args.revisions} revisions, 50 comments)": f"{base}{page.slug}/",
        f"diff 1 → {args.revisions}": f"{base}{page.slug}/diff/?from=1&to={args.revisions}",
        f"diff {args.revisions - 1} → {args.revisions}": (
            f"{base}{page.slug}/diff/?from={args.revisions - 1}&to={args.revisions}"
        ),
        f"history ({args.revisions} revisions, newest 50)": f"{base}{page.slug}/history/",
        f"tree of {count} pages (list of pages)": base,
        "tree: pages under a section (its button)": f"{base}tree/{section.pk}/",
        "a page three levels down (tree folded around it)": f"{base}{deep.slug}/",
        f"home ({args.news} news, {args.links} quick links)": "/",
    }
    run: list[str] = []

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        run.append(sql)
        return execute(sql, params, many, context)

    results = {}
    for label, url in urls.items():
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        run.clear()
        with connection.execute_wrapper(counted):
            client.get(url)
        latencies = []
        for _ in range(args.requests):
            t = time.perf_counter()
            response = client.get(url)
            latencies.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        results[label] = {
            "url": url,
            "queries": len(run),
            "median_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "load_average": os.getloadavg(),
        }
        print(f"GET {label}: {results[label]}", flush=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "people": args.people,
        "pages": count,
        "revisions": args.revisions,
        "news": args.news,
        "links": args.links,
        "requests": args.requests,
        "seconds_to_seed": seeded,
        "results": results,
    }
    out = ROOT / "bench" / "results" / f"pages-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"(written to {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
- `GET /spaces/<org>/pages/`: the navigation of the whole tree;
- `GET /`: the home page (the feed and its panels).

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
from datetime import UTC, datetime
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
    from cercle.pages import actions
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
    third = []
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
    count = Page.objects.filter(space=space).count()
    seeded = round(time.perf_counter() - started, 1)
    print(f"seeded in {seeded} s: {args.people} people, {count} pages", flush=True)

    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)
    base = f"/spaces/{space.slug}/pages/"
    urls = {
        f"page ({args.revisions} revisions, 50 comments)": f"{base}{page.slug}/",
        f"diff 1 → {args.revisions}": f"{base}{page.slug}/diff/?from=1&to={args.revisions}",
        f"diff {args.revisions - 1} → {args.revisions}": (
            f"{base}{page.slug}/diff/?from={args.revisions - 1}&to={args.revisions}"
        ),
        f"tree of {count} pages": base,
        "home": "/",
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

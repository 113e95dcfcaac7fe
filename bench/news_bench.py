#!/usr/bin/env python3
"""The news at scale: the home page (with its featured news panel) and the news list, with
`--articles` articles (default 200: the issue's "home page with 200 news") for a mix of
audiences — the whole organisation, one site, one department, one space — a tenth of them
featured, some scheduled or ended, and reads by a part of the organisation.

In a temporary var dir (SQLite), this script migrates, seeds `--people` people (`seed_demo
--scale`), writes the articles through `cercle.news.actions`, then times, as a member, through
Django's test client in process (no network): `GET /` (the whole home page: feed, panels,
navigation) and `GET /news/` and `/news/?page=2`, median and p99 over `--requests` requests each
(the query counts are the tests' part: `tests/news/test_views.py`).

    .venv/bin/python bench/news_bench.py --people 2000 --articles 200 --requests 100

Results go to bench/results/news-<date>.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, median_p99, save_report, setup_django, time_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args(argv)

    setup_django(tempfile.mkdtemp(prefix="cercle-news-bench-"))
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from cercle.accounts.models import Department, Role, Site, User
    from cercle.news import actions
    from cercle.news.actions import ArticleInput
    from cercle.news.models import ArticleRead
    from cercle.spaces.models import Membership, Space

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--scale", str(args.people), verbosity=0)
    writer = User.objects.filter(role__in=[Role.STAFF, Role.ADMIN], is_active=True).first()
    assert writer is not None
    reader = (
        User.objects.filter(role=Role.MEMBER, is_active=True, profile__site__isnull=False)
        .select_related("profile")
        .order_by("pk")
        .first()
    )
    assert reader is not None
    sites = list(Site.objects.all())
    departments = list(Department.objects.all())
    space = Space.objects.filter(is_organisation=False).first()
    categories = [actions.create_category(actor=writer, name=f"Catégorie {n}") for n in range(6)]
    now = timezone.now()
    for n in range(args.articles):
        audience: dict[str, list[object]] = {}
        if n % 4 == 1:
            audience = {"sites": [sites[n % len(sites)]]}
        elif n % 4 == 2:
            audience = {"departments": [departments[n % len(departments)]]}
        elif n % 4 == 3 and space is not None:
            audience = {"spaces": [space]}
        published = now - timedelta(hours=n * 3)
        if n % 25 == 0:
            published = now + timedelta(days=1)  # scheduled
        ends = published + timedelta(days=3) if n % 30 == 7 else None  # some ended
        actions.create_article(
            actor=writer,
            data=ArticleInput(
                title=f"Actualité {n} : un titre de longueur ordinaire",
                summary="Un résumé de deux lignes qui dit l'essentiel de l'article. " * 2,
                body="## Le détail\n\nDu **texte**, une liste :\n\n- un\n- deux\n" * 5,
                category=categories[n % len(categories)],
                featured=n % 10 == 0,
                published_at=published,
                ends_at=ends,
                **audience,  # type: ignore[arg-type]
            ),
        )
    if space is not None:
        Membership.objects.get_or_create(space=space, user=reader)
    people = list(User.objects.filter(is_active=True).values_list("pk", flat=True)[:500])
    from cercle.news.models import Article

    ArticleRead.objects.bulk_create(
        [
            ArticleRead(article_id=a, user_id=p)
            for a in Article.objects.values_list("pk", flat=True)[:50]
            for p in people
        ],
        ignore_conflicts=True,
    )
    seeded = round(time.perf_counter() - started, 1)
    print(f"seeded in {seeded} s: {args.people} people, {args.articles} articles")

    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)
    pages = {}
    for url in ("/", "/news/", "/news/?page=2"):
        time_ok(partial(client.get, url), 5, url)  # warm-up
        pages[url] = median_p99(time_ok(partial(client.get, url), args.requests, url))
        print(f"GET {url}: {pages[url]}")
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "people": args.people,
        "articles": args.articles,
        "requests": args.requests,
        "pages": pages,
        "load_average": os.getloadavg(),
    }
    out = save_report(f"news-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json", result, indent=1)
    print(f"(written to {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Global search in process over `bench/search_scale.py`'s queries, each SQL statement timed.

On data kept by `search_scale.py --keep` (PostgreSQL here: the server's CPU time per search is
read from /proc for the connection's backend, so the server must run on this machine):

    DATABASE_POOL=0 DATABASE_URL=postgres://…/NAME_searchscale PYTHONPATH=$PWD/src:$PWD \
        .venv/bin/python bench/search_statements.py --n 300 [--view] [--out FILE]
    … --only '"facilement conspirer"' --explain 20   # EXPLAIN (ANALYZE, BUFFERS) of its slow ones
    … --costs                                        # each statement's planned cost (JIT's)

Prints the search's wall time, this process's CPU and the PostgreSQL backend's CPU (median, p95,
p99), each kind of statement's count and time, the shapes' times and the slowest queries.
"""

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
os.environ.setdefault("DEBUG", "0")
import django

django.setup()
import search_scale  # noqa: E402
from django.db import connection  # noqa: E402

from cercle.accounts.models import User  # noqa: E402
from cercle.search import queries  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--n", type=int, default=1000)
p.add_argument("--view", action="store_true")
p.add_argument("--suggest", action="store_true")
p.add_argument("--out", default="")
p.add_argument("--only", default="")
p.add_argument("--explain", type=float, default=0)
p.add_argument("--costs", action="store_true")
a = p.parse_args()

french, english = search_scale.vocabulary("french"), search_scale.vocabulary("english")
texts = search_scale.queries(1000, french, english)[: a.n]
if a.only:
    texts = [t for t in texts if t == a.only]
user = User.objects.get(username="scale-000001")


def label(sql: str) -> str:
    s = sql
    if "ts_rank" in s and "ORDER BY search_vector.doc_id" in s:
        return "window"
    if "ts_rank" in s and "search_title.doc_id" in s and "IN" in s and "search_vector" in s:
        return "titled"
    if "search_title" in s and "ts_rank" in s:
        return "suggest-window"
    if "FROM search_word" in s:
        return "part-words"  # the words holding a part of a word (search/0006)
    if "EXCEPT" in s or "LIKE" in s or "<%" in s or "= ANY(ARRAY(" in s:
        return "parts/names"
    if "set_config" in s or "EXPLAIN" in s or "reltuples" in s:
        return "set_config"
    m = re.search(r'FROM "(\w+)"', s)
    return "orm:" + (m.group(1) if m else s[:40])


stats = defaultdict(list)
rows = []
statements = []
explain_list = []
all_statements = []


def wrapper(execute, sql, params, many, context):
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        statements.append((label(sql), (time.perf_counter() - t0) * 1000, sql, params))


if a.view:
    from django.test import Client

    client = Client()
    client.force_login(user)


def backend_cpu():
    with open(f"/proc/{backend}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


with connection.cursor() as _c:
    _c.execute("SELECT pg_backend_pid()")
    backend = _c.fetchone()[0]

for i, text in enumerate(texts):
    statements.clear()
    b0 = backend_cpu()
    c0 = time.process_time()
    t0 = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        if a.view:
            client.get("/search/", {"q": text})
        elif a.suggest:
            queries.suggest(user, text)
        else:
            queries.search(user, text)
    ms = (time.perf_counter() - t0) * 1000
    explain_list.extend(s for s in statements if a.explain and s[1] >= a.explain)
    if a.costs:
        all_statements.extend(statements)
    cpu = (time.process_time() - c0) * 1000
    server = backend_cpu() - b0
    sql_ms = sum(s[1] for s in statements)
    for lab, t, _s, _p in statements:
        stats[lab].append(t)
    rows.append(
        {
            "i": i,
            "q": text,
            "shape": search_scale.shape_of(i) if not a.only else "",
            "ms": ms,
            "cpu": cpu,
            "server": server,
            "sql": sql_ms,
            "n": len(statements),
            "parts": [(lab, round(t, 1)) for lab, t, _s, _p in statements if t > 5],
            "slow": [
                (s, [str(x)[:200] for x in (pp or [])]) for lab, t, s, pp in statements if t > 20
            ],
        }
    )


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


ms = [r["ms"] for r in rows]
cpu = [r["cpu"] for r in rows]
srv = [r["server"] for r in rows]
print(
    f"server cpu ms total {sum(srv):.0f} mean {sum(srv) / len(srv):.1f} med/p95/p99"
    f" {pct(srv, 0.5):.0f}/{pct(srv, 0.95):.0f}/{pct(srv, 0.99):.0f} (10 ms ticks)"
)
print(
    f"n={len(rows)} wall med/p95/p99 {pct(ms, 0.5):.1f}/{pct(ms, 0.95):.1f}/{pct(ms, 0.99):.1f}"
    f"  cpu {pct(cpu, 0.5):.1f}/{pct(cpu, 0.95):.1f}/{pct(cpu, 0.99):.1f}"
    f"  load {os.getloadavg()[0]:.1f}"
)
print("statement: count, total ms, med, p95, max")
for lab, v in sorted(stats.items(), key=lambda kv: -sum(kv[1])):
    print(
        f"  {lab:40} {len(v):5} {sum(v):9.0f} {pct(v, 0.5):7.1f} {pct(v, 0.95):7.1f} {max(v):7.1f}"
    )
by_shape = defaultdict(list)
for r in rows:
    by_shape[r["shape"]].append(r["ms"])
for sh, v in by_shape.items():
    print(f"  shape {sh:26} med {pct(v, 0.5):6.1f} p95 {pct(v, 0.95):6.1f} max {max(v):6.1f}")
print("slowest:")
for r in sorted(rows, key=lambda r: -r["ms"])[:25]:
    print(
        f"  {r['ms']:7.1f} cpu {r['cpu']:5.1f} sql {r['sql']:6.1f} {r['shape']:18}"
        f" {r['q']!r} {r['parts']}"
    )
if a.explain:
    with connection.cursor() as cur:
        for lab, t, sql, params in list(explain_list):
            print("=" * 100)
            print(lab, round(t, 1), "ms")
            print(cur.mogrify(sql, params) if hasattr(cur, "mogrify") else sql)
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + sql, params)
            for (line,) in cur.fetchall():
                print(line)
if a.costs:
    import collections

    top = collections.defaultdict(float)
    with connection.cursor() as cur:
        for lab, _t, sql, params in all_statements:
            if sql.startswith(("EXPLAIN", "SELECT set_config", "SELECT reltuples")):
                continue
            cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            cost = plan[0]["Plan"]["Total Cost"]
            top[lab] = max(top[lab], cost)
            if cost > 100000 or "JIT" in plan[0]:
                print("JIT-eligible", lab, cost)
    print("max plan cost per statement:", dict(top))
if a.out:
    with open(a.out, "w") as out:
        json.dump(rows, out, default=str)

#!/usr/bin/env python3
"""Content search over many documents, through the real server.

In a temporary var dir (SQLite) or a PostgreSQL database `<name>_docsearch` it creates and drops,
this script migrates, makes one space with a member, and uploads `--documents` text documents
through `cercle.documents.actions.upload_file` (each a few hundred French words drawn from a
vocabulary, one in fifty with a rare word), analysing each content as the background task would
(`actions.analyse_blob`: the text extracted, the index following). It then starts
`uvicorn cercle.asgi:application` on 127.0.0.1 (one worker) and times, sequentially,
`GET /api/v1/search?q=…&kinds=document` for the member over common words, two words, prefixes,
rare words (found in few files) and words found in none.

    .venv/bin/python bench/documents_search_bench.py --db sqlite --documents 2000 --requests 150
    .venv/bin/python bench/documents_search_bench.py --db both --documents 100000 \
        --bulk-after 500 --requests 1000       # the issue's scale, seeded in bulk

Only 127.0.0.1 is ever targeted. Shares its helpers with the other benchmarks (bench/common.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # bench/common.py: what the benchmarks share

VOCABULARY = [
    "réunion",
    "projet",
    "budget",
    "congés",
    "équipe",
    "client",
    "formation",
    "sécurité",
    "planning",
    "déploiement",
    "audit",
    "rapport",
    "contrat",
    "facture",
    "commande",
    "livraison",
    "fournisseur",
    "stratégie",
    "objectif",
    "résultat",
    "bilan",
    "trimestre",
    "annuel",
    "prévisionnel",
    "recrutement",
    "entretien",
    "évaluation",
    "procédure",
    "qualité",
    "norme",
    "conformité",
    "risque",
    "incident",
    "maintenance",
    "serveur",
    "réseau",
    "logiciel",
    "licence",
    "support",
    "utilisateur",
    "accès",
    "sauvegarde",
    "archive",
    "document",
    "version",
    "signature",
    "validation",
    "comité",
    "direction",
    "service",
    "département",
    "site",
    "atelier",
    "production",
    "stock",
    "inventaire",
    "transport",
    "véhicule",
    "sinistre",
    "assurance",
]
RARE = ["ornithorynque", "zeppelin", "quasar", "hippocampe", "kaléidoscope"]
ABSENT = ["xylophoniste", "brontosaure"]
PREFIXES = ["budg", "réun", "form", "sécu", "plan", "prév"]

SEED_CODE = """
import io, json, random, time
from cercle.documents import actions
from cercle.documents.models import Blob
from tests.factories import make_space, make_user
from cercle.accounts.models import ApiToken
from cercle.accounts.tokens import generate_token_secret, hash_token
vocabulary = {vocabulary!r}
rare = {rare!r}
rng = random.Random(7)
owner = make_user(username="docbench-owner")
member = make_user(username="docbench-member")
space = make_space(owner=owner, kind="private", members=(member,))
root = actions.root_of(actions.space_library(space=space))
folders = [actions.create_folder(actor=owner, parent=root, name=f"Dossier {{i}}")
           for i in range(20)]
started = time.perf_counter()
for number in range(min({real}, {documents})):
    words = [rng.choice(vocabulary) for _ in range({words})]
    if number % 50 == 0:
        words.insert(rng.randrange(len(words)), rare[number // 50 % len(rare)])
    text = " ".join(words) + f" numéro {{number}}"
    result = actions.upload_file(actor=owner, folder=folders[number % 20],
                                 upload=io.BytesIO(text.encode()), name=f"note-{{number}}.txt")
    actions.analyse_blob(blob_id=result.version.blob_id)
# Past `real`, the same documents made in bulk (rows only: their bytes are not written, which the
# search never reads), then indexed by `rebuild_search_index` as a big installation's would be.
import hashlib
from django.db import transaction
from django.utils import timezone
from cercle.documents.models import BlobText, Document, Version
now = timezone.now()
for start in range({real}, {documents}, 2000):
    numbers = range(start, min(start + 2000, {documents}))
    texts = []
    for number in numbers:
        words = [rng.choice(vocabulary) for _ in range({words})]
        if number % 50 == 0:
            words.insert(rng.randrange(len(words)), rare[number // 50 % len(rare)])
        texts.append(" ".join(words) + f" numéro {{number}}")
    with transaction.atomic():
        blobs = Blob.objects.bulk_create([
            Blob(sha256=hashlib.sha256(t.encode()).hexdigest(), size=len(t.encode()),
                 key=f"bench/{{n}}", kind="text", text_state="done", analysed_at=now)
            for n, t in zip(numbers, texts)])
        BlobText.objects.bulk_create([BlobText(blob=b, text=t) for b, t in zip(blobs, texts)])
        documents = Document.objects.bulk_create([
            Document(library=root.library, folder=folders[n % 20], name=f"note-{{n}}.txt",
                     created_by=owner) for n in numbers])
        versions = Version.objects.bulk_create([
            Version(document=d, number=1, blob=b, size=b.size, content_type="text/plain",
                    created_by=owner) for d, b in zip(documents, blobs)])
        for d, v in zip(documents, versions):
            d.current = v
        Document.objects.bulk_update(documents, ["current"])
seconds = time.perf_counter() - started
secret = generate_token_secret()
ApiToken.objects.create(user=member, name="bench", key_hash=hash_token(secret), prefix=secret[:12])
print("SEED=" + json.dumps({{"seconds": round(seconds, 1), "token": secret,
      "analysed": Blob.objects.filter(text_state="done").count()}}))
"""


SHAPES = ("a common word", "two common words", "a prefix", "a rare word", "absent or rare")


def queries(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    made = []
    for i in range(count):
        shape = i % 5
        if shape == 0:
            made.append(rng.choice(VOCABULARY))
        elif shape == 1:
            made.append(f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}")
        elif shape == 2:
            made.append(rng.choice(PREFIXES))
        elif shape == 3:
            made.append(rng.choice(RARE))
        else:
            made.append(rng.choice(ABSENT + RARE))
    return made


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    # Kept: SQLite's var dir, or PostgreSQL's database beside a var dir of its own.
    workdir = Path(args.keep).resolve() / database if args.keep else None
    kept = workdir is not None
    seeded_before = workdir is not None and (workdir / "bench-seed.json").exists()
    result: dict[str, Any] = {"database": database, "documents": args.documents, "timings": []}
    with common.scratch_site(
        database,
        args.pg_url,
        "cercle-docsearch-bench-",
        suffix="_docsearch",
        workdir=workdir,
        keep=kept,
        reuse=seeded_before,
        PYTHONPATH=f"{common.ROOT / 'src'}{os.pathsep}{common.ROOT}",
        CERCLE_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    ) as (workdir, env):
        workdir.mkdir(parents=True, exist_ok=True)
        seed_file = workdir / "bench-seed.json"
        common.manage(env, "migrate", "--noinput", quiet=True)
        if kept and seed_file.exists():
            seeded = json.loads(seed_file.read_text())
            print(f"[{database}] the documents seeded before in {workdir}")
        else:
            print(f"[{database}] upload and analyse {args.documents} documents…")
            real = args.documents if args.bulk_after is None else args.bulk_after
            code = SEED_CODE.format(
                vocabulary=VOCABULARY,
                rare=RARE,
                documents=args.documents,
                words=args.words,
                real=real,
            )
            seeded = json.loads(common.shell_value(env, code, "SEED"))
            if real < args.documents:
                print(f"[{database}] index the {args.documents - real} documents made in bulk…")
                common.manage(
                    env, "rebuild_search_index", "--kind", "document", "--batch", "2000", quiet=True
                )
            seed_file.write_text(json.dumps(seeded))
        result["seed_seconds"] = seeded["seconds"]
        result["analysed"] = seeded["analysed"]
        common.analyze(env, database)
        if args.port:
            common.free_port = lambda: args.port  # the port range given to this machine's user
        with common.Server(env, workdir) as server:
            paths = [
                "/api/v1/search?" + urlencode({"q": text, "kinds": "document"})
                for text in queries(args.requests)
            ]
            latencies, wall, errors, results = common.run_sequential(
                server.url, seeded["token"], paths, warmup=10
            )
            timing = common.summarise(
                "GET /api/v1/search?kinds=document", "sequential", latencies, wall, errors, results
            )
            timing.load_average = os.getloadavg()[0]
            result["timings"].append(timing.__dict__)
            # By the query's shape (`queries`: the i-th query's shape is i % 5), to see which
            # one makes the tail.
            result["by_shape"] = {
                shape: common.median_and_p99([s * 1000 for s in latencies[i::5]], 1)
                for i, shape in enumerate(SHAPES)
            }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = common.database_parser(__doc__, db="sqlite")
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--words", type=int, default=300, help="words per document")
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--port", type=int, default=0, help="the server's port (0: any free)")
    parser.add_argument(
        "--keep",
        default="",
        help="seed into this directory (and, on PostgreSQL, its database) and keep them; a later "
        "run with it reuses the data",
    )
    parser.add_argument(
        "--bulk-after",
        type=int,
        default=None,
        help="upload this many documents through the actions, make the rest as rows in bulk "
        "(then rebuild_search_index): 100,000 uploads one by one take hours",
    )
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": common.machine(),
        "runs": [bench(args, database) for database in common.databases(args)],
    }
    common.save_report(f"documents-search-{report['date'][:10]}.json", report)
    print("| database | documents | requests | errors | median ms | p99 ms | load |")
    print("|---|---|---|---|---|---|---|")
    for run in report["runs"]:
        for t in run["timings"]:
            print(
                f"| {run['database']} | {run['documents']} | {t['requests']} | {t['errors']} | "
                f"{t['median_ms']} | {t['p99_ms']} | {t.get('load_average', 0):.1f} |"
            )
        print(f"  upload and analysis: {run['seed_seconds']} s, {run['analysed']} analysed")
        for shape, figures in run.get("by_shape", {}).items():
            print(f"  {shape}: median / p99 ms {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

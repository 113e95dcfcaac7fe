"""The server process, once started (`cercle.asgi`), has its start-up objects out of the garbage
collector's sight: a full collection walked them all, a 130 ms pause in the pages' tail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json
import cercle.asgi
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}))
"""


def test_the_asgi_application_freezes_what_it_loaded_at_start(tmp_path: Path) -> None:
    env = dict(os.environ, CERCLE_VAR_DIR=str(tmp_path), DEBUG="0", PYTHONPATH=str(ROOT / "src"))
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    # Django, the URLconf and the views: well over 100,000 objects, none left to walk.
    assert counts["frozen"] > 100_000, counts
    assert counts["tracked"] < 1_000, counts

"""Backup and restore of a whole installation: the database and the files, in one tar archive.

The archive (`manage.py backup <file>`):

```
database/cercle.sqlite3     SQLite: a copy made with sqlite3's online backup API
database/cercle.pgdump      PostgreSQL: `pg_dump --format=custom`, in one exported snapshot
files/<storage>/...         every file of each storage kept on the local disk (`default`:
                            MEDIA_ROOT; `documents`: CERCLE_DOCUMENTS_ROOT; `privacy`:
                            CERCLE_PRIVACY_ROOT — people's downloads of their data)
manifest.json               Cercle's version, the date, the database vendor, the migrations the
                            database had, and the size and SHA-256 of every other member
```

Consistency: the database is copied first, in one snapshot, while the server keeps writing; the
files are copied right after. A file is always written before the row that names it is committed
and deleted only after that row is gone (on commit), so every file the snapshot names existed when
the snapshot was taken; files written later are extra (nothing names them once restored, nothing
serves them). The document base's blobs are named by their content's SHA-256 and are deleted
only once no version points to them (`purge_document_trash`): a blob a restored version names is
the blob it had. Only a file deleted between the snapshot and its copy can be missing — a photo
replaced, a blob collected in those seconds — so do not run `purge_document_trash` at the same
moment as a backup.

`manage.py restore <file>` checks everything before it changes anything (the archive is read
whole, every checksum verified, the migration state compared with the code's), refuses to overwrite
an installation that already has people or files without `--force`, then replaces the database (in
one transaction) and the files, and runs `migrate`, which brings an older backup up to date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections
from django.db.migrations.loader import MigrationLoader

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/cercle.sqlite3"
PGDUMP_MEMBER = "database/cercle.pgdump"
CHUNK = 1024 * 1024

Say = Callable[[str], None]


def _quiet(_text: str) -> None:
    return None


# --- What is backed up ------------------------------------------------------------------------


def file_roots() -> dict[str, Path]:
    """The storages kept on the local disk, by alias, with their directory (static files left
    out: `collectstatic` rebuilds them from the code)."""
    roots: dict[str, Path] = {}
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        storage = storages[alias]
        if isinstance(storage, FileSystemStorage):
            roots[alias] = Path(storage.location)
    return roots


def remote_storages() -> list[str]:
    """The storages that are not on the local disk (S3): their files are not in the archive."""
    return [
        alias for alias in settings.STORAGES if alias != "staticfiles" and alias not in file_roots()
    ]


def cercle_version() -> str:
    try:
        return metadata.version("cercle")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        return "unknown"


def _walk(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing:
    """A read-only file wrapper that hashes what is read through it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


# --- The database's snapshot --------------------------------------------------------------------


def _pg_params() -> dict[str, str]:
    db = settings.DATABASES["default"]
    params = {
        "dbname": str(db.get("NAME") or ""),
        "user": str(db.get("USER") or ""),
        "password": str(db.get("PASSWORD") or ""),
        "host": str(db.get("HOST") or ""),
        "port": str(db.get("PORT") or ""),
    }
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        params["sslmode"] = str(sslmode)
    return {key: value for key, value in params.items() if value}


def _pg_env(params: dict[str, str]) -> dict[str, str]:
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
        "sslmode": "PGSSLMODE",
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update({names[key]: value for key, value in params.items()})
    return env


def _client(program: str) -> tuple[str, int]:
    """The path and major version of a PostgreSQL client program, or a clear error."""
    path = shutil.which(program)
    if path is None:
        raise CommandError(
            f"{program} is not installed: install PostgreSQL's client programs, of the server's "
            f"version or newer (Debian: apt-get install postgresql-client)."
        )
    out = subprocess.run(  # noqa: S603  (a client program found on PATH)
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if found is None:  # pragma: no cover - every pg_dump prints its version
        raise CommandError(f"could not read the version of {path}: {out!r}")
    return path, int(found.group(1))


@dataclass
class Snapshot:
    member: str
    path: Path
    vendor: str
    migrations: dict[str, list[str]]
    details: dict[str, Any]


def _migrations_from(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _sqlite_snapshot(workdir: Path) -> Snapshot:
    source_name = str(settings.DATABASES["default"]["NAME"])
    target = workdir / "cercle.sqlite3"
    source = sqlite3.connect(source_name, timeout=60)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1): a read transaction on WAL, so writers go on meanwhile and the
        # copy is the database as it was at one instant.
        source.backup(copy)
        rows = copy.execute("SELECT app, name FROM django_migrations").fetchall()
        version = sqlite3.sqlite_version
    finally:
        copy.close()
        source.close()
    return Snapshot(
        member=SQLITE_MEMBER,
        path=target,
        vendor="sqlite",
        migrations=_migrations_from(rows),
        details={"sqlite_version": version},
    )


@contextlib.contextmanager
def _postgres_snapshot(workdir: Path) -> Iterator[Snapshot]:
    """pg_dump inside a transaction whose snapshot it shares (`--snapshot`): the dump and the
    migration state read here are the same instant. The transaction stays open while the files
    are copied (a REPEATABLE READ, READ ONLY one: it blocks no writer)."""
    import psycopg

    pg_dump, dump_major = _client("pg_dump")
    params = _pg_params()
    target = workdir / "cercle.pgdump"
    with psycopg.connect(**params) as conn:  # type: ignore[arg-type]
        server_major = conn.info.server_version // 10000
        if dump_major < server_major:
            raise CommandError(
                f"pg_dump {dump_major} cannot dump a PostgreSQL {server_major} server: install "
                f"the client programs of version {server_major} or newer "
                f"(Debian: postgresql-client-{server_major})."
            )
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        snapshot_id = str(row[0])
        done = subprocess.run(  # noqa: S603  (pg_dump, arguments of our own)
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot_id}",
                "--no-password",
                "--file",
                str(target),
            ],
            env=_pg_env(params),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
        yield Snapshot(
            member=PGDUMP_MEMBER,
            path=target,
            vendor="postgresql",
            migrations=_migrations_from([(str(a), str(n)) for a, n in rows]),
            details={"server_major": server_major, "pg_dump_major": dump_major},
        )
        conn.rollback()


@contextlib.contextmanager
def _snapshot(workdir: Path) -> Iterator[Snapshot]:
    if connection.vendor == "sqlite":
        yield _sqlite_snapshot(workdir)
    elif connection.vendor == "postgresql":
        with _postgres_snapshot(workdir) as snapshot:
            yield snapshot
    else:  # pragma: no cover - Cercle runs on these two
        raise CommandError(f"backups of a {connection.vendor} database are not supported")


# --- backup -------------------------------------------------------------------------------------


def backup(destination: Path, *, say: Say = _quiet) -> dict[str, Any]:
    """Write the archive to `destination` (through a `.partial` file renamed at the end, so a
    failed backup leaves no archive that looks whole). Returns the manifest."""
    destination = destination.resolve()
    if destination.exists():
        raise CommandError(f"{destination} already exists: choose another name or remove it.")
    if not destination.parent.is_dir():
        raise CommandError(f"{destination.parent} is not a directory.")
    roots = file_roots()
    for root in roots.values():
        with contextlib.suppress(ValueError):
            destination.relative_to(root)
            raise CommandError(
                f"{destination} is inside {root}, which is backed up: write it elsewhere."
            )
    partial = destination.with_name(destination.name + ".partial")
    members: list[dict[str, Any] | None] = []
    storages_summary: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".cercle-backup-") as work:
        workdir = Path(work)
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                with _snapshot(workdir) as snapshot:
                    say(f"Database ({snapshot.vendor}) copied.")
                    members.append(_add_file(archive, snapshot.path, snapshot.member))
                    snapshot.path.unlink()
                    for alias, root in roots.items():
                        count = size = 0
                        for path in _walk(root):
                            name = f"files/{alias}/{path.relative_to(root).as_posix()}"
                            entry = _add_file(archive, path, name)
                            if entry is None:  # deleted meanwhile
                                continue
                            members.append(entry)
                            count += 1
                            size += entry["size"]
                        storages_summary[alias] = {"files": count, "bytes": size}
                        say(f"{alias}: {count} files ({size} bytes) from {root}.")
                manifest = {
                    "format": FORMAT,
                    "cercle_version": cercle_version(),
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "database": {"vendor": snapshot.vendor, **snapshot.details},
                    "migrations": snapshot.migrations,
                    "storages": storages_summary,
                    "remote_storages": remote_storages(),
                    "members": [entry for entry in members if entry is not None],
                }
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
                info.mode = 0o600
                archive.addfile(info, _bytes_io(data))
            partial.chmod(0o600)
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _bytes_io(data: bytes) -> IO[bytes]:
    import io

    return io.BytesIO(data)


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> dict[str, Any] | None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o600
        hashing = _Hashing(handle)
        archive.addfile(info, hashing)
    return {"name": name, "size": stat.st_size, "sha256": hashing.digest.hexdigest()}


# --- restore ------------------------------------------------------------------------------------


@dataclass
class Archive:
    manifest: dict[str, Any]
    staging: Path  # the members, extracted and verified


def read_manifest(source: Path) -> dict[str, Any]:
    if not source.is_file():
        raise CommandError(f"{source}: no such file.")
    try:
        with tarfile.open(source, "r:*") as archive:
            try:
                member = archive.getmember(MANIFEST)
            except KeyError:
                raise CommandError(
                    f"{source} is not a Cercle backup: it has no {MANIFEST}."
                ) from None
            handle = archive.extractfile(member)
            if handle is None:
                raise CommandError(f"{source}: {MANIFEST} is not a file.")
            manifest = json.loads(handle.read())
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise CommandError(f"{source} is not a readable Cercle backup ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CommandError(f"{source}: unknown backup format {manifest.get('format')!r}.")
    for key in ("database", "migrations", "members"):
        if key not in manifest:
            raise CommandError(f"{source}: the manifest has no {key!r}.")
    return manifest


def check_migrations(manifest: dict[str, Any]) -> None:
    """Refuse an archive whose database has migrations this code does not know: it comes from a
    newer Cercle, and no code here can read it (restore it with that version, or newer)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    code_apps = {app for app, _name in known}
    unknown = [
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        if app in code_apps
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise CommandError(
            f"This backup comes from a newer Cercle (version {manifest.get('cercle_version')}): "
            f"its database has migrations this code does not have ({shown}). Install that "
            f"version or a newer one, then restore."
        )


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise CommandError(f"unsafe name in the archive: {name!r}")
    return path


def extract(source: Path, manifest: dict[str, Any], staging: Path) -> None:
    """Extract every member into `staging`, verifying each one's size and SHA-256 against the
    manifest; any difference, any member missing or unlisted is an error."""
    expected = {entry["name"]: entry for entry in manifest["members"]}
    seen: set[str] = set()
    try:
        with tarfile.open(source, "r:*") as archive:
            for member in archive:
                if member.name == MANIFEST:
                    continue
                if member.isdir():
                    continue
                if not member.isfile():
                    raise CommandError(f"{source}: {member.name!r} is not a regular file.")
                relative = _safe_name(member.name)
                entry = expected.get(member.name)
                if entry is None:
                    raise CommandError(f"{source}: {member.name!r} is not in the manifest.")
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                handle = archive.extractfile(member)
                assert handle is not None
                digest = hashlib.sha256()
                size = 0
                with target.open("wb") as out:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                    raise CommandError(
                        f"{source}: {member.name} does not match its checksum: the archive is "
                        f"damaged. Nothing was changed."
                    )
                seen.add(member.name)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise CommandError(f"{source} is damaged ({error}). Nothing was changed.") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise CommandError(
            f"{source} is incomplete: {len(missing)} listed members are missing "
            f"({', '.join(missing[:3])}). Nothing was changed."
        )


def installation_is_empty() -> tuple[bool, str]:
    """Empty: nobody in the database (or no database yet) and no file in the storages."""
    from django.contrib.auth import get_user_model

    try:
        people = get_user_model().objects.exists()
    except DatabaseError:
        connections.close_all()
        people = False
    if people:
        return False, "the database has people in it"
    for alias, root in file_roots().items():
        if next(_walk(root), None) is not None:
            return False, f"the {alias} storage ({root}) has files"
    return True, ""


def restore(
    source: Path, *, force: bool = False, migrate: bool = True, say: Say = _quiet
) -> dict[str, Any]:
    source = source.resolve()
    manifest = read_manifest(source)
    vendor = manifest["database"].get("vendor")
    if vendor != connection.vendor:
        raise CommandError(
            f"This backup is of a {vendor} database and this installation uses "
            f"{connection.vendor}: "
            f"restoring across database vendors is not supported. Restore it into a {vendor} "
            f"installation, then move the data with `dumpdata` / `loaddata`."
        )
    check_migrations(manifest)
    roots = file_roots()
    wanted = set(manifest.get("storages", {}))
    not_here = sorted(wanted - set(roots))
    if not_here:
        raise CommandError(
            f"This backup holds files of storages this installation does not keep on disk "
            f"({', '.join(not_here)}): copy them into the object store from the archive's files/ "
            f"directory, or restore with those storages on disk."
        )
    if vendor == "postgresql":
        _pg_restore_program, restore_major = _client("pg_restore")
        _client("psql")
        if restore_major < int(manifest["database"].get("pg_dump_major", 0)):
            raise CommandError(
                f"pg_restore {restore_major} cannot read a dump made by pg_dump "
                f"{manifest['database']['pg_dump_major']}: install newer client programs."
            )
    empty, why = installation_is_empty()
    if not empty and not force:
        raise CommandError(
            f"This installation is not empty ({why}): restoring would replace everything in it. "
            f"Run again with --force to do so."
        )
    staging_parent = Path(settings.VAR_DIR)
    with tempfile.TemporaryDirectory(dir=staging_parent, prefix=".cercle-restore-") as work:
        staging = Path(work)
        extract(source, manifest, staging)
        say("Archive verified: every checksum matches.")
        connections.close_all()
        if vendor == "sqlite":
            _restore_sqlite(staging / SQLITE_MEMBER)
        else:
            _restore_postgres(staging / PGDUMP_MEMBER, staging)
        _forget_connections()  # none may carry state (prepared statements) of the old schema
        say(f"Database ({vendor}) restored.")
        for alias in sorted(wanted):
            root = roots[alias]
            _replace_directory(root, staging / "files" / alias)
            say(f"{alias}: files restored into {root}.")
    connections.close_all()
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
        say("Migrations applied.")
    _forget_cached(say)
    return manifest


def _forget_cached(say: Say) -> None:
    """Empty the cache: what it keeps was made from the database before the restore (the
    organisation, people's roles and versions, kept listings) and would shadow what was restored
    until it expired. In production the cache is Redis, shared with the realtime layer: web is
    stopped during a `--force` restore (docs/deployment.md)."""
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception as error:  # the cache's server is down: nothing it keeps can be read either
        say(f"The cache could not be emptied ({error}): empty it before starting web.")
    else:
        say("Cache emptied.")


def _forget_connections() -> None:
    connections.close_all()
    for conn in connections.all():
        close_pool = getattr(conn, "close_pool", None)
        if close_pool is not None:
            close_pool()


def _restore_sqlite(snapshot: Path) -> None:
    target = Path(str(settings.DATABASES["default"]["NAME"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    destination = sqlite3.connect(target, timeout=60)
    try:
        # The backup API replaces the whole database in one transaction (all or nothing), and
        # works on a database in WAL mode, unlike copying the file over it.
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _restore_postgres(dump: Path, workdir: Path) -> None:
    """pg_restore turns the dump into SQL, which psql runs in one transaction after emptying the
    schema: an error anywhere leaves the database as it was."""
    pg_restore, _major = _client("pg_restore")
    psql, _major = _client("psql")
    params = _pg_params()
    env = _pg_env(params)
    script = workdir / "restore.sql"
    done = subprocess.run(  # noqa: S603  (pg_restore, arguments of our own)
        [pg_restore, "--no-owner", "--no-acl", "--file", str(script), str(dump)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CommandError(f"pg_restore could not read the dump: {done.stderr.strip()}")
    done = subprocess.run(  # noqa: S603  (psql, arguments of our own)
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "--single-transaction",
            "--set",
            "ON_ERROR_STOP=1",
            "--command",
            "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
            "--file",
            str(script),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CommandError(
            "restoring the database failed, nothing was changed in it: "
            + done.stderr.strip()[-2000:]
        )


def _replace_directory(root: Path, staged: Path) -> None:
    """Make `root` hold exactly what `staged` holds (the root itself stays: it may be a mount)."""
    root.mkdir(parents=True, exist_ok=True)
    for child in list(root.iterdir()):
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if staged.is_dir():
        for child in staged.iterdir():
            shutil.move(str(child), str(root / child.name))

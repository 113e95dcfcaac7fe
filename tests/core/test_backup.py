"""`manage.py backup` / `restore` for real: an installation with data (posts, a comment, a chat
message, a document with two versions, a page, an event, a setting changed by an administrator, a
photo) is backed up while it exists, restored into an EMPTY installation (a new database and empty
directories) in other processes, and every row and every file is found there, byte for byte — on
SQLite, and on PostgreSQL when DATABASE_URL points to one. Bad archives change nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.server import PYTHON, ROOT, ServerSite, postgres_databases

SEED = """
import io
from tests.factories import make_admin, make_user, make_space, make_post, make_direct
from tests.factories import make_message, make_event
from tests.helpers.files import image_bytes
from cercle.accounts.actions.profiles import update_profile
from cercle.accounts.queries import get_organisation
from cercle.administration.actions import update_organisation
from cercle.documents import actions as documents
from cercle.feed.actions import add_comment
from cercle.pages.actions import create_page

admin = make_admin(username="admin")
anne = make_user(username="anne", first_name="Anne")
bruno = make_user(username="bruno", first_name="Bruno")
space = make_space(owner=anne, name="Atelier", members=(bruno,))
post = make_post(author=anne, space=space, body="Le mur de l'atelier")
add_comment(actor=bruno, post=post, body="Un commentaire de Bruno")
make_post(author=bruno, body="Un message pour toute l'organisation")
make_message(anne, make_direct(anne, bruno), body="Bonjour Bruno", client_id="cid-1")
folder = documents.root_of(documents.space_library(space=space))
uploaded = documents.upload_file(
    actor=anne, folder=folder, upload=io.BytesIO(b"first version\\n"), name="note.txt"
)
documents.add_version(
    actor=bruno, document=uploaded.document, upload=io.BytesIO(b"second version\\n" * 1000)
)
create_page(actor=anne, space=space, title="Guide de l'atelier", body="Les **règles**.")
make_event(organiser=anne, space=space, title="Réunion de rentrée")
organisation = get_organisation()
update_organisation(
    actor=admin,
    name="Cercle restauré",
    primary_colour=organisation.primary_colour,
    accent_colour=organisation.accent_colour,
    lock_hr_fields=True,
    signup_domains="exemple.fr",
)
update_profile(
    actor=anne, person=anne, changes={}, photo=io.BytesIO(image_bytes("PNG", (120, 90)))
)
result = True
"""

DESCRIBE = """
import hashlib
from django.apps import apps
from cercle.accounts.models import Organisation, Profile
from cercle.agenda.models import Event
from cercle.chat.models import Message
from cercle.documents.models import Version
from cercle.feed.models import Comment, Post
from cercle.pages.models import Page

organisation = Organisation.objects.get()
photo = Profile.objects.get(user__username="anne").photo
versions = []
for version in Version.objects.select_related("blob").order_by("pk"):
    with version.blob.open() as handle:
        content = hashlib.sha256(handle.read()).hexdigest()
    versions.append([version.pk, version.document_id, content])
with photo.open("rb") as handle:
    photo_sha = hashlib.sha256(handle.read()).hexdigest()
result = {
    "counts": {m._meta.label: m._default_manager.count() for m in apps.get_models()},
    "posts": sorted(Post.objects.values_list("pk", "body")),
    "comments": sorted(Comment.objects.values_list("pk", "post_id", "body")),
    "messages": sorted(Message.objects.values_list("pk", "client_id", "body")),
    "versions": versions,
    "pages": sorted(Page.objects.values_list("pk", "title", "body")),
    "events": sorted(Event.objects.values_list("pk", "title")),
    "organisation": [organisation.name, organisation.lock_hr_fields, organisation.signup_domains],
    "photo": [photo.name, photo_sha],
}
"""


def manage(site: ServerSite, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env={**site.env(), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def files_of(directory: Path) -> dict[str, str]:
    """Every file under the site's storages (media, documents, privacy): path → SHA-256."""
    found = {}
    for name in ("media", "documents", "privacy"):
        root = directory / name
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file():
                found[f"{name}/{path.relative_to(root)}"] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return found


def new_site(directory: Path, database_url: str = "") -> ServerSite:
    directory.mkdir()
    site = ServerSite(directory)
    if database_url:
        site.extra_env["DATABASE_URL"] = database_url
    return site


def roundtrip(tmp_path: Path, url_a: str = "", url_b: str = "") -> None:
    original = new_site(tmp_path / "a", url_a)
    original.migrate()
    original.python(SEED)
    # A data download (privacy storage) is kept with the rest.
    (tmp_path / "a" / "privacy" / "exports").mkdir(parents=True)
    (tmp_path / "a" / "privacy" / "exports" / "export-1.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    before = original.python(DESCRIBE)
    files_before = files_of(tmp_path / "a")
    assert any(name.startswith("media/photos/") for name in files_before)
    assert sum(name.startswith("documents/") for name in files_before) == 2
    assert "privacy/exports/export-1.zip" in files_before

    archive = tmp_path / "cercle.tar"
    if url_a:  # without PostgreSQL's client programs: a clear error, and no archive
        done = manage(original, "backup", str(archive), PATH=str(tmp_path / "nothing"))
        assert done.returncode != 0
        assert "pg_dump is not installed" in done.stderr and "Traceback" not in done.stderr
        assert not archive.exists() and not list(tmp_path.glob("cercle.tar*"))
    done = manage(original, "backup", str(archive))
    assert done.returncode == 0, done.stderr
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["database"]["vendor"] == ("postgresql" if url_a else "sqlite")
    assert "0001_initial" in manifest["migrations"]["feed"]
    assert manifest["storages"]["default"]["files"] >= 1

    empty = new_site(tmp_path / "b", url_b)  # never migrated: a new database, no files
    assert files_of(tmp_path / "b") == {}
    done = manage(empty, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    after = empty.python(DESCRIBE)
    assert after == before
    assert after["counts"]["feed.Post"] == 3  # two written, and "Anne added a file to…"
    assert after["counts"]["documents.Version"] == 2
    assert after["organisation"] == ["Cercle restauré", True, "exemple.fr"]
    assert files_of(tmp_path / "b") == files_before

    # Restoring again over what is now a used installation needs --force.
    done = manage(empty, "restore", str(archive))
    assert done.returncode != 0
    assert "not empty" in done.stderr and "--force" in done.stderr
    # What the cache kept of the replaced database is forgotten (Redis: shared by the processes).
    redis_url = os.environ.get("CERCLE_TEST_REDIS_URL", "")
    if redis_url:
        empty.redis_url = redis_url
        stale = "from django.core.cache import cache\ncache.set('stale', 1, None)\nresult = 1"
        assert empty.python(stale) == 1
    done = manage(empty, "restore", "--force", str(archive))
    assert done.returncode == 0, done.stderr
    assert empty.python(DESCRIBE) == before
    if redis_url:
        assert "Cache emptied." in done.stdout
        kept = "from django.core.cache import cache\nresult = cache.get('stale')"
        assert empty.python(kept) is None


def test_backup_and_restore_into_an_empty_installation_sqlite(tmp_path: Path) -> None:
    roundtrip(tmp_path)


@pytest.fixture
def postgres_urls() -> Iterator[list[str]]:
    with postgres_databases("backup_a", "backup_b") as urls:
        yield urls


@pytest.mark.postgres
def test_backup_and_restore_into_an_empty_installation_postgres(
    tmp_path: Path, postgres_urls: list[str]
) -> None:
    roundtrip(tmp_path, *postgres_urls)


def _rewrite(archive: Path, target: Path, change: Any) -> None:
    """A copy of `archive` with `change(name, data) -> data` applied to each member."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            data = change(member.name, data)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_bad_archives_are_refused_and_change_nothing(tmp_path: Path) -> None:
    site = new_site(tmp_path / "a")
    site.migrate()
    site.python(SEED)
    archive = tmp_path / "good.tar"
    assert manage(site, "backup", str(archive)).returncode == 0
    # Writing over an existing archive is refused.
    again = manage(site, "backup", str(archive))
    assert again.returncode != 0 and "already exists" in again.stderr
    before, files_before = site.python(DESCRIBE), files_of(tmp_path / "a")

    def flip_one_byte(name: str, data: bytes) -> bytes:
        if name.startswith("files/documents/"):
            return data[:-1] + bytes([data[-1] ^ 1])
        return data

    def newer_code(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["migrations"]["feed"].append("9999_from_the_future")
            manifest["cercle_version"] = "99.0"
            return json.dumps(manifest).encode()
        return data

    checksum, future = tmp_path / "checksum.tar", tmp_path / "future.tar"
    _rewrite(archive, checksum, flip_one_byte)
    _rewrite(archive, future, newer_code)
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(b"not an archive at all" * 100)

    expectations = {
        tmp_path / "missing.tar": "no such file",
        garbage: "not a readable Cercle backup",
        truncated: "Cercle backup",
        checksum: "does not match its checksum",
        future: "newer Cercle",
    }
    for path, message in expectations.items():
        done = manage(site, "restore", "--force", str(path))
        assert done.returncode != 0, path
        assert message in done.stderr, (path, done.stderr)
        assert "Traceback" not in done.stderr
    assert site.python(DESCRIBE) == before
    assert files_of(tmp_path / "a") == files_before
    assert not list((tmp_path / "a").glob(".cercle-restore-*"))


APPLIED = """
from django.db.migrations.recorder import MigrationRecorder
result = sorted(
    [m.app, m.name] for m in MigrationRecorder.Migration.objects.filter(app="agenda")
)
"""


def test_an_older_backup_comes_up_to_date_on_restore(tmp_path: Path) -> None:
    """The documented upgrade path: a backup made before a migration, restored by newer code,
    is migrated by `restore`."""
    older = new_site(tmp_path / "a")
    older.migrate()
    done = manage(older, "migrate", "agenda", "0001_initial")  # as before agenda's 0002
    assert done.returncode == 0, done.stderr
    older.python("from tests.factories import make_user\nmake_user(username='anne')\nresult = 1")
    archive = tmp_path / "older.tar"
    assert manage(older, "backup", str(archive)).returncode == 0
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["migrations"]["agenda"] == ["0001_initial"]

    empty = new_site(tmp_path / "b")
    done = manage(empty, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    # Every agenda migration of this code, the ones after 0001 applied by the restore.
    on_disk = sorted(
        ["agenda", path.stem]
        for path in (ROOT / "src" / "cercle" / "agenda" / "migrations").glob(
            "[0-9][0-9][0-9][0-9]_*.py"
        )
    )
    assert len(on_disk) >= 2
    assert empty.python(APPLIED) == on_disk
    assert empty.python(
        "from cercle.accounts.models import User\n"
        "result = list(User.objects.values_list('username', flat=True))"
    ) == ["anne"]


@pytest.mark.django_db
def test_an_archive_of_another_database_vendor_is_refused(tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command
    from django.db import connection

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest = {"format": 1, "database": {"vendor": other}, "migrations": {}, "members": []}
    data = json.dumps(manifest).encode()
    archive = tmp_path / "other.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="across database vendors is not supported"):
        call_command("restore", str(archive), "--force")

"""French and English are complete: every translatable string of the code has a French translation,
and the compiled catalogues the server reads are the ones the .po files describe."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PACKAGE = Path(settings.PACKAGE_DIR)
LOCALE = PACKAGE / "locale"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def _require_gettext() -> None:
    if not shutil.which("xgettext") or not shutil.which("msgfmt"):
        from tests.conftest import require_service

        require_service("gettext (make system-packages installs it)", False)


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed French catalogue merged with the strings found in the code today."""
    _require_gettext()
    copy = tmp_path_factory.mktemp("i18n") / "cercle"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    django_admin = Path(settings.BASE_DIR) / ".venv" / "bin" / "django-admin"
    command = str(django_admin) if django_admin.exists() else "django-admin"
    result = _run(
        [
            command,
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            "--no-location",
            "--no-wrap",
            "--settings=cercle.settings",
            f"--pythonpath={Path(settings.BASE_DIR) / 'src'}",
        ],
        cwd=copy,
    )
    assert result.returncode == 0, result.stderr
    catalogue = copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    assert catalogue.exists(), result.stdout + result.stderr
    return catalogue


def _untranslated(text: str) -> list[str]:
    """The source strings of the entries whose msgstr, or one of whose msgstr[n], is empty."""
    found = []
    for block in text.split("\n\n"):
        lines = re.search(r'^msgid ((?:".*"\n)+)', block + "\n", re.M)
        source = "".join(re.findall(r'"(.*)"', lines.group(1))) if lines else ""
        if source and re.search(r'^msgstr(\[\d\])? ""\n(?!")', block + "\n", re.M):
            found.append(source)  # the header (empty source) is not an entry
    return found


def _mo_entries(path: Path) -> dict[bytes, bytes]:
    """The (source, translation) pairs of a compiled catalogue, read as the GNU .mo format says."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    entries = {}
    for index in range(count):
        length, offset = struct.unpack(order + "2I", data[originals + 8 * index :][:8])
        key = data[offset : offset + length]
        length, offset = struct.unpack(order + "2I", data[translations + 8 * index :][:8])
        entries[key] = data[offset : offset + length]
    return entries


def test_every_string_in_the_code_is_translated_to_french(fresh_catalogue: Path) -> None:
    text = fresh_catalogue.read_text()
    # An entry is untranslated when its msgstr (or any msgstr[n] of a plural) is empty.
    untranslated = _untranslated(text)
    fuzzy = re.findall(r"#, fuzzy.*?\nmsgid \"(.*?)\"", text, re.S)
    assert untranslated == [], f"untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy (changed source, check the translation): {fuzzy[:20]}"
    # msgfmt is the reference: it counts every entry and checks the placeholders (%(name)s …)
    # of each translation against its source string.
    stats = _run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(fresh_catalogue)],
        cwd=Path("/"),
    )
    assert stats.returncode == 0, stats.stderr
    assert "untranslated" not in stats.stderr and "fuzzy" not in stats.stderr, stats.stderr


@pytest.mark.parametrize("language", ["fr", "en"])
def test_compiled_catalogue_is_the_committed_one(language: str, tmp_path: Path) -> None:
    """The .mo the server reads says exactly what the committed .po says (`make messages`)."""
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert po.exists() and mo.exists(), "run `make messages` to make and compile the catalogues"
    _require_gettext()
    fresh = tmp_path / "django.mo"
    result = _run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], cwd=Path("/"))
    assert result.returncode == 0, result.stderr
    # Compared entry by entry, not byte by byte: two msgfmt versions may lay out the same
    # catalogue differently (hash table), but never with different strings.
    old, new = _mo_entries(mo), _mo_entries(fresh)
    stale = [key for key, value in new.items() if old.get(key) != value]
    extra = [key for key in old if key not in new]
    assert not stale and not extra, (
        f"{mo} is not compiled from {po} (run `make messages`); differing: {stale[:10]}, "
        f"only in the .mo: {extra[:10]}"
    )


def test_french_is_served_with_french_plurals() -> None:
    mo = LOCALE / "fr" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    # A fuzzy header is left out of the .mo, and with it the French plural rule (0 is singular).
    assert catalogue.info().get("language") == "fr"
    assert catalogue.info().get("plural-forms") == "nplurals=2; plural=(n > 1);"
    with translation.override("fr"):
        assert translation.gettext("Home") == "Accueil"
        assert translation.gettext("People") == "Personnes"
        assert translation.ngettext("%(counter)s comment", "%(counter)s comments", 0) == (
            "%(counter)s commentaire"
        )
        assert translation.ngettext("%(counter)s comment", "%(counter)s comments", 2) == (
            "%(counter)s commentaires"
        )
    with translation.override("en"):
        assert translation.gettext("Home") == "Home"


GETTEXT_CALLS = {
    "_": 1,
    "gettext": 1,
    "gettext_lazy": 1,
    "gettext_noop": 1,
    "ngettext": 2,
    "ngettext_lazy": 2,
    "pgettext": 2,
    "pgettext_lazy": 2,
    "npgettext": 3,
    "npgettext_lazy": 3,
}


def test_python_strings_for_gettext_are_literals() -> None:
    """makemessages reads only string literals: `_(f"…")`, `_("a" + b)` or `_(name)` never reach
    the catalogue, so the person would see them in English."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            for argument in node.args[: GETTEXT_CALLS.get(name, 0)]:
                if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert found == [], "\n".join(found)


def test_template_strings_have_no_escaped_quotes() -> None:
    """makemessages cuts `{% translate "say \\"hi\\"" %}` at the backslash: the string shown is
    never in the catalogue. Use the other quote, or typographic quotes, inside the string."""
    tag = re.compile(r"""\{%\s*trans(?:late)?\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
    found = [
        f"{path.relative_to(PACKAGE)}:{text[: match.start()].count(chr(10)) + 1}: {match.group(0)}"
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in {".html", ".txt"} and "static" not in path.parts
        for text in [path.read_text()]
        for match in tag.finditer(text)
        if "\\" in match.group(1)
    ]
    assert found == [], "\n".join(found)

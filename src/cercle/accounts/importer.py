"""Reading and checking a CSV file of people before anything is written.

The file: UTF-8 with or without a byte-order mark (Windows-1252, as older French Excel writes it,
is accepted too), separated by commas or by semicolons (French Excel), a header row naming the
columns. Columns (only `email`, `first_name` and `last_name` are required, the others may be
left out or empty; their order is free):

    email, first_name, last_name, job_title, department, site, manager_email, role, team, phone

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first person row 2.
Every row is checked (email syntax, duplicates in the file, people who already exist, unknown
department, site, role or manager, manager cycles) and each problem is reported with its row
number, its column and a message. Nothing here touches the database except to read what exists.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cercle.accounts.models import Role
from cercle.core.text import normalize

COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "job_title",
    "department",
    "site",
    "manager_email",
    "role",
    "team",
    "phone",
)
REQUIRED_COLUMNS = ("email", "first_name", "last_name")
MAX_LENGTHS = {
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "job_title": 150,
    "department": 120,
    "site": 120,
    "manager_email": 254,
    "team": 120,
    "phone": 40,
}
MAX_ROWS = 50_000
ROLE_VALUES = {r.value for r in Role}
_PHONE = re.compile(r"^[0-9+()./ \-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, header)."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, str | int]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class PersonRow:
    row: int
    email: str
    first_name: str
    last_name: str
    job_title: str = ""
    department: str = ""
    site: str = ""
    manager_email: str = ""
    role: str = Role.MEMBER.value
    team: str = ""
    phone: str = ""


@dataclass
class ExistingData:
    """What the database already holds, keyed the way the file refers to it."""

    emails: set[str] = field(default_factory=set)  # lower-cased
    people: dict[str, int] = field(default_factory=dict)  # lower-cased email -> user id
    departments: dict[str, int] = field(default_factory=dict)  # normalize(name) -> id
    sites: dict[str, int] = field(default_factory=dict)  # normalize(name) -> id
    # "department" / "site" -> the names as written, for suggestions.
    names: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class CheckedFile:
    rows: list[PersonRow]
    errors: list[RowError]
    # normalize(name) -> name as written, for departments and sites to create.
    missing_departments: dict[str, str] = field(default_factory=dict)
    missing_sites: dict[str, str] = field(default_factory=dict)
    # Column key -> the header as the file wrote it ("Prénom" for first_name), for the report.
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def invalid_rows(self) -> set[int]:
        return {error.row for error in self.errors}

    @property
    def valid_rows(self) -> list[PersonRow]:
        invalid = self.invalid_rows
        return [row for row in self.rows if row.row not in invalid]

    @property
    def file_errors(self) -> list[RowError]:
        """Errors about the file as a whole (row 1 is the header)."""
        return [error for error in self.errors if error.row <= 1]


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportFileError(_("The file is not UTF-8 text.")) from error


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


# Column names as HR and directory exports often spell them (French and English), matched without
# accents or capitals, read as Cercle's own.
HEADER_ALIASES = {
    "mail": "email",
    "e_mail": "email",
    "courriel": "email",
    "adresse_email": "email",
    "firstname": "first_name",
    "given_name": "first_name",
    "prenom": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "nom": "last_name",
    "nom_de_famille": "last_name",
    "title": "job_title",
    "job": "job_title",
    "poste": "job_title",
    "fonction": "job_title",
    "intitule_de_poste": "job_title",
    "departement": "department",
    "service": "department",
    "location": "site",
    "office": "site",
    "lieu": "site",
    "manager": "manager_email",
    "email_du_manager": "manager_email",
    "equipe": "team",
    "telephone": "phone",
    "tel": "phone",
    "mobile": "phone",
    "role_dans_cercle": "role",
}


def _header_name(cell: str) -> str:
    name = cell.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")
    return HEADER_ALIASES.get(normalize(name).replace(" ", "_"), name)


def headers_as_written(text: str) -> dict[str, str]:
    """Each known column's key -> its header cell as the file wrote it, so that the report
    names the columns the way the person who wrote the file does."""
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)), [])
    except csv.Error:
        return {}
    written: dict[str, str] = {}
    for cell in header:
        name = _header_name(cell)
        if name in COLUMNS and name not in written:
            written[name] = cell.strip().lstrip("\ufeff").strip()
    return written


def closest(value: str, names: Iterable[str]) -> str | None:
    """The existing name closest to a value that names none (accents and capitals aside): the
    import report suggests it. None when nothing is close enough."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(normalize(name), name)
    wanted = normalize(value)
    if not wanted:
        return None
    # A name that contains the value as a word ("Lyon" → "Lyon (siège)") is the likeliest.
    containing = [key for key in by_key if re.search(rf"(^|\W){re.escape(wanted)}(\W|$)", key)]
    if len(containing) == 1:
        return by_key[containing[0]]
    match = difflib.get_close_matches(wanted, list(by_key), n=1, cutoff=0.6)
    return by_key[match[0]] if match else None


def _unknown_place(kind: str, value: str, suggestion: str | None) -> str:
    if kind == "department":
        if suggestion:
            return _("Unknown department “%(value)s” — did you mean “%(suggestion)s”?") % {
                "value": value,
                "suggestion": suggestion,
            }
        return _("Unknown department “%s”.") % value
    if suggestion:
        return _("Unknown site “%(value)s” — did you mean “%(suggestion)s”?") % {
            "value": value,
            "suggestion": suggestion,
        }
    return _("Unknown site “%s”.") % value


def template_csv() -> str:
    """An example file an admin may download and fill in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "claire.martin@example.org",
            "Claire",
            "Martin",
            "Directrice financière",
            "Finance",
            "Paris",
            "",
            "member",
            "Contrôle de gestion",
            "+33 1 23 45 67 89",
        ]
    )
    writer.writerow(
        [
            "hugo.bernard@example.org",
            "Hugo",
            "Bernard",
            "Comptable",
            "Finance",
            "Lyon",
            "claire.martin@example.org",
            "member",
            "Comptabilité",
            "",
        ]
    )
    return out.getvalue()


def parse(text: str) -> tuple[list[PersonRow], list[RowError]]:
    """Read the rows and check each on its own (syntax, required values, lengths, role)."""
    errors: list[RowError] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportFileError(_("The file is not a readable CSV file: %s") % error) from error
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError(_("The file is empty: the first row must name the columns."))
    names = [_header_name(cell) for cell in header]
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
        )
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise ImportFileError(_("Columns named twice: %s.") % ", ".join(duplicated))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ImportFileError(_("Missing columns: %s.") % ", ".join(missing))

    rows: list[PersonRow] = []
    row_number = 1
    try:
        for record in reader:
            row_number += 1
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(max)d people; split it into smaller files.")
                    % {"max": MAX_ROWS}
                )
            row_errors: list[RowError] = []
            if len(record) > len(names) and any(c.strip() for c in record[len(names) :]):
                row_errors.append(
                    RowError(
                        row_number,
                        "",
                        ngettext(
                            "This row has %(found)d values but the header names %(expected)d.",
                            "This row has %(found)d values but the header names %(expected)d.",
                            len(names),
                        )
                        % {"found": len(record), "expected": len(names)},
                    )
                )
            values = {name: "" for name in COLUMNS}
            for name, cell in zip(names, record, strict=False):
                if name:
                    values[name] = cell.strip()
            rows.append(_check_row(row_number, values, row_errors))
            errors.extend(row_errors)
    except csv.Error as error:
        raise ImportFileError(
            _("Row %(row)d cannot be read: %(error)s") % {"row": row_number, "error": error}
        ) from error
    return rows, errors


def _check_row(number: int, values: dict[str, str], errors: list[RowError]) -> PersonRow:
    for name, value in values.items():
        if _CONTROL.search(value):
            errors.append(RowError(number, name, _("Contains control characters.")))
        limit = MAX_LENGTHS.get(name)
        if limit and len(value) > limit:
            errors.append(
                RowError(number, name, _("At most %(limit)d characters.") % {"limit": limit})
            )
    for name in REQUIRED_COLUMNS:
        if not values[name]:
            errors.append(RowError(number, name, _("This value is required.")))
    values["email"] = values["email"].lower()
    values["manager_email"] = values["manager_email"].lower()
    for name in ("email", "manager_email"):
        if values[name]:
            try:
                validate_email(values[name])
            except ValidationError:
                errors.append(RowError(number, name, _("Not a valid email address.")))
    role = values["role"].lower() or Role.MEMBER.value
    if role not in ROLE_VALUES:
        errors.append(
            RowError(
                number,
                "role",
                _("Unknown role “%(role)s”; use one of: %(roles)s.")
                % {"role": values["role"], "roles": ", ".join(sorted(ROLE_VALUES))},
            )
        )
    values["role"] = role
    if values["phone"] and not _PHONE.match(values["phone"]):
        errors.append(
            RowError(number, "phone", _("A phone number has digits, spaces and + ( ) . - only."))
        )
    return PersonRow(row=number, **values)


def check(
    rows: list[PersonRow],
    errors: Iterable[RowError],
    *,
    existing: ExistingData,
    create_missing: bool,
    allowed_roles: set[str] | None = None,
    headers: dict[str, str] | None = None,
) -> CheckedFile:
    """Check the rows against each other and against what exists; report every problem.

    `allowed_roles`: the roles the person importing may give (None: any)."""
    all_errors = list(errors)
    checked = CheckedFile(rows=rows, errors=all_errors, headers=dict(headers or {}))
    if allowed_roles is not None:
        for row in rows:
            if row.role in ROLE_VALUES and row.role not in allowed_roles:
                all_errors.append(
                    RowError(
                        row.row,
                        "role",
                        _("Only administrators may give the role “%(role)s”.") % {"role": row.role},
                    )
                )
    first_row_of: dict[str, int] = {}
    for row in rows:
        if not row.email:
            continue
        if row.email in first_row_of:
            all_errors.append(
                RowError(
                    row.row,
                    "email",
                    _("Duplicate in the file: already on row %(row)d.")
                    % {"row": first_row_of[row.email]},
                )
            )
            continue
        first_row_of[row.email] = row.row
        if row.email in existing.emails:
            all_errors.append(RowError(row.row, "email", _("A person with this email exists.")))
    for row in rows:
        for name, known, missing in (
            ("department", existing.departments, checked.missing_departments),
            ("site", existing.sites, checked.missing_sites),
        ):
            value = getattr(row, name)
            if not value or normalize(value) in known:
                continue
            if create_missing and normalize(value):
                missing.setdefault(normalize(value), value)
            else:
                suggestion = closest(value, existing.names.get(name, ()))
                all_errors.append(RowError(row.row, name, _unknown_place(name, value, suggestion)))

    # Managers: an existing person, or a person of this file; no cycles among the file's people.
    row_of_email = {
        row.email: row for row in rows if row.email and first_row_of[row.email] == row.row
    }
    for row in rows:
        manager = row.manager_email
        if not manager or manager in existing.people or manager in row_of_email:
            continue
        all_errors.append(RowError(row.row, "manager_email", _("Unknown manager “%s”.") % manager))
    _check_cycles(rows, row_of_email, all_errors)
    # A person whose manager's row is invalid cannot be imported either (until a fixed point).
    while True:
        invalid = {error.row for error in all_errors}
        added = False
        for row in rows:
            if row.row in invalid or not row.manager_email:
                continue
            manager_row = row_of_email.get(row.manager_email)
            if manager_row is not None and manager_row.row in invalid:
                all_errors.append(
                    RowError(
                        row.row,
                        "manager_email",
                        _("The manager's row (%(row)d) is invalid.") % {"row": manager_row.row},
                    )
                )
                invalid.add(row.row)
                added = True
        if not added:
            break
    all_errors.sort(
        key=lambda error: (error.row, COLUMNS.index(error.field) if error.field in COLUMNS else -1)
    )
    return checked


def _check_cycles(
    rows: list[PersonRow], row_of_email: dict[str, PersonRow], errors: list[RowError]
) -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in row_of_email:
        if state.get(start):
            continue
        path: list[str] = []
        email: str | None = start
        while email is not None and email in row_of_email and not state.get(email):
            state[email] = 1
            path.append(email)
            email = row_of_email[email].manager_email or None
        if email is not None and state.get(email) == 1:
            cycle = path[path.index(email) :]
            chain = " → ".join([*cycle, email])
            for member in cycle:
                errors.append(
                    RowError(
                        row_of_email[member].row,
                        "manager_email",
                        _("Manager cycle: %s.") % chain,
                    )
                )
        for member in path:
            state[member] = 2

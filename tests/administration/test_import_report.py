"""The CSV import's report (issue 17): a close match suggested for an unknown value, columns
named as the file named them, plurals, and no card holding only a status word."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cercle.accounts import importer
from cercle.administration import actions
from cercle.administration.models import ImportJob
from tests.factories import make_admin, make_department, make_site

pytestmark = pytest.mark.django_db


def test_the_closest_name_is_suggested_accents_and_capitals_aside() -> None:
    names = ["Lyon (siège)", "Paris", "Marseille"]
    assert importer.closest("Lyon", names) == "Lyon (siège)"
    assert importer.closest("PARÎS", names) == "Paris"
    assert importer.closest("Marseile", names) == "Marseille"
    assert importer.closest("Tokyo", names) is None
    assert importer.closest("", names) is None


def test_headers_are_kept_as_the_file_wrote_them() -> None:
    text = "\ufeffCourriel;Prénom;Nom;Site\n"
    assert importer.headers_as_written(text) == {
        "email": "Courriel",
        "first_name": "Prénom",
        "last_name": "Nom",
        "site": "Site",
    }


def _job_page(language: str, data: bytes, capture: Any) -> tuple[ImportJob, str]:
    admin = make_admin()
    client = Client(headers={"Accept-Language": language})
    client.force_login(admin)
    with capture(execute=True):
        job = actions.start_import(actor=admin, filename="p.csv", data=data, language=language)
    job.refresh_from_db()
    return job, client.get(reverse("admin_import_job", args=[job.pk])).content.decode()


FILE = (
    "Courriel;Prénom;Nom;Site;Département\n"
    "a@example.org;Anne;A;Lyon;Finance\n"
    "b@example.org;Bob;B;lyon (SIÈGE);Finances\n"
    "pas-un-email;Cléo;C;Lyon (siège);Finance\n"
    "d@example.org;Dan;D;Lyon (siège);Finance\n"
).encode()


def test_the_report_suggests_names_the_columns_as_written_and_counts_in_french(
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_site("Lyon (siège)")
    make_department("Finance")
    job, page = _job_page("fr", FILE, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.INVALID
    assert "Site « Lyon » inconnu — vouliez-vous dire « Lyon (siège) » ?" in page
    assert "Service « Finances » inconnu — vouliez-vous dire « Finance » ?" in page
    cells = re.findall(r"<td><code>([^<]+)</code></td>", page)
    assert set(cells) == {"Site", "Département", "Courriel"}
    assert "1 ligne valide sur 4." in page
    # No card holding only the status: the status is a line, the report follows.
    assert 'class="card"' not in page.split("<h1", 1)[1].split("report-title", 1)[0]


def test_plurals_in_english(django_capture_on_commit_callbacks: Any) -> None:
    make_site("Lyon (siège)")
    make_department("Finance")
    data = FILE.replace(b"a@example.org;Anne;A;Lyon;", b"a@example.org;Anne;A;Lyon (siege);")
    _job, page = _job_page("en", data, django_capture_on_commit_callbacks)
    assert "2 valid rows of 4." in page
    assert "2 invalid rows" in page

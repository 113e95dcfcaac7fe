"""CSV imports read the column names HR and directory exports use (French and English, any accents
or capitals) as Cercle's own; a column nobody knows is still refused with the list of columns."""

from __future__ import annotations

import pytest

from cercle.accounts import importer
from cercle.accounts.actions import people
from tests.factories import make_department

pytestmark = pytest.mark.django_db


def test_french_export_headers_are_read_as_cercles_columns() -> None:
    make_department("Comptabilité")
    text = (
        "Courriel;Prénom;Nom;Intitulé de poste;Département;Téléphone\n"
        "c.m@example.org;Claire;Martin;Directrice financière;comptabilite;+33 1 23 45 67 89\n"
    )
    checked = people.check_import(importer.decode(text.encode("utf-8")), create_missing=False)
    assert checked.errors == []
    [row] = checked.rows
    assert (row.email, row.first_name, row.last_name) == ("c.m@example.org", "Claire", "Martin")
    assert (row.job_title, row.department, row.phone) == (
        "Directrice financière",
        "comptabilite",
        "+33 1 23 45 67 89",
    )


def test_english_export_headers_and_title_are_read_as_cercles_columns() -> None:
    text = "E-mail,Given name,Surname,Title,Manager\na@example.org,Ann,Lee,Engineer,\n"
    [row] = people.check_import(text, create_missing=False).rows
    assert (row.email, row.first_name, row.last_name, row.job_title) == (
        "a@example.org",
        "Ann",
        "Lee",
        "Engineer",
    )


def test_an_alias_beside_its_column_is_a_column_named_twice() -> None:
    with pytest.raises(importer.ImportFileError, match="Columns named twice: job_title"):
        people.check_import("email,first_name,last_name,job_title,title\n", create_missing=False)


def test_an_unknown_column_is_still_refused_with_the_list() -> None:
    with pytest.raises(importer.ImportFileError, match="Unknown columns: shoe_size"):
        people.check_import("email,first_name,last_name,shoe_size\n", create_missing=False)

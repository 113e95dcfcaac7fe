"""One small organisation, seeded once per test module through the modules' own actions, that
the search tests read (the index follows those writes)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import (
    add_member,
    make_admin,
    make_direct,
    make_event,
    make_guest,
    make_message,
    make_post,
    make_space,
    make_user,
)


@dataclass
class World:
    anne: Any  # member of the secret space, of the direct conversation
    bruno: Any  # member elsewhere, not of the secret space
    guest: Any
    admin: Any
    gone: Any  # deactivated
    lefevre: Any
    open_space: Any
    secret_space: Any
    open_post: Any
    secret_post: Any
    comment: Any
    direct: Any
    direct_message: Any
    page: Any
    secret_page: Any
    event: Any
    private_event: Any
    document: Any
    secret_document: Any
    english_post: Any


def seed() -> World:
    from cercle.accounts.actions.people import deactivate_person
    from cercle.feed.actions import add_comment
    from cercle.pages.actions import create_page

    admin = make_admin(first_name="Iris", last_name="Admin")
    anne = make_user(username="anne", first_name="Anne", last_name="Martin", job_title="Comptable")
    bruno = make_user(username="bruno", first_name="Bruno", last_name="Dupont")
    guest = make_guest(username="gaston", first_name="Gaston", last_name="Invité")
    gone = make_user(username="partie", first_name="Paule", last_name="Partie")
    lefevre = make_user(username="hlefevre", first_name="Hélène", last_name="Lefèvre")
    english = make_user(username="john", first_name="John", last_name="Smith")
    type(english).objects.filter(pk=english.pk).update(language="en")
    english.refresh_from_db()
    open_space = make_space(owner=bruno, name="Club de course", kind="open", members=(anne,))
    secret_space = make_space(owner=anne, name="Projet Licorne", kind="secret")
    open_post = make_post(
        author=bruno, space=open_space, body="Les réunions budgétaires du club reprennent lundi."
    )
    secret_post = make_post(
        author=anne, space=secret_space, body="Réunion secrète sur la licorne budgétaire."
    )
    comment = add_comment(actor=anne, post=open_post, body="Je viendrai avec mes congés posés.")
    direct = make_direct(anne, lefevre)
    direct_message = make_message(anne, direct, body="La réunion confidentielle est à midi.")
    page = create_page(
        actor=bruno,
        space=open_space,
        title="Parcours du jeudi",
        body="## Tracé\nUn parcours de 10 km.",
    )
    secret_page = create_page(
        actor=anne, space=secret_space, title="Plan Licorne", body="Le parcours secret."
    )
    event = make_event(organiser=bruno, space=open_space, title="Sortie course au parc")
    private_event = make_event(organiser=anne, title="Rendez-vous médecin", visibility="private")
    document = _document(bruno, open_space, "Budget-2026_SAP-FI.xlsx")
    secret_document = _document(anne, secret_space, "licorne-budget.txt")
    english_post = make_post(author=english, space=open_space, body="Running meetings every week.")
    deactivate_person(actor=admin, person=gone)
    gone.refresh_from_db()
    return World(
        anne=anne,
        bruno=bruno,
        guest=guest,
        admin=admin,
        gone=gone,
        lefevre=lefevre,
        open_space=open_space,
        secret_space=secret_space,
        open_post=open_post,
        secret_post=secret_post,
        comment=comment,
        direct=direct,
        direct_message=direct_message,
        page=page,
        secret_page=secret_page,
        event=event,
        private_event=private_event,
        document=document,
        secret_document=secret_document,
        english_post=english_post,
    )


def _document(actor: Any, space: Any, name: str) -> Any:
    import io

    from cercle.documents import actions as documents

    library = documents.space_library(space=space)
    return documents.upload_file(
        actor=actor, folder=documents.root_of(library), upload=io.BytesIO(b"a,b\n1,2\n"), name=name
    ).document


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """Seeded once per module, inside a transaction rolled back at the module's end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_ = add_member

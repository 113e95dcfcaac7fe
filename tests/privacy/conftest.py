"""Storages of the test's own, and a person who wrote something in every module, with real files."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cercle.accounts.actions.profiles import follow_person
from cercle.accounts.models import User
from cercle.agenda import actions as agenda_actions
from cercle.chat import actions as chat_actions
from cercle.documents import actions as documents_actions
from cercle.feed import actions as feed_actions
from cercle.pages import actions as pages_actions
from tests.factories import (
    give_skill,
    make_direct,
    make_event,
    make_message,
    make_space,
    make_user,
)
from tests.helpers.files import image_bytes, pdf


@pytest.fixture(autouse=True)
def storages(settings: Any, tmp_path: Path) -> dict[str, Path]:
    roots = {name: tmp_path / name for name in ("media", "documents", "privacy")}
    settings.MEDIA_ROOT = str(roots["media"])
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(roots["media"])},
        },
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(roots["documents"]), "base_url": "/no-url/"},
        },
        "privacy": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(roots["privacy"]), "base_url": "/no-url/"},
        },
    }
    return roots


def files_under(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@dataclass
class Seeded:
    person: User
    colleague: User
    space: Any
    post_bodies: list[str] = field(default_factory=list)
    message_bodies: list[str] = field(default_factory=list)
    attachment_bytes: bytes = b""
    chat_file_bytes: bytes = b""
    document_bytes: bytes = b""
    page_title: str = ""
    event_title: str = ""


# Names chosen so that a search for them finds nothing but them.
FIRST, LAST, USERNAME, EMAIL = "Zephyrine", "Quenouillard", "zquenouil", "zephy.q@exemple.org"


def seed_person(*, posts: int = 2, messages: int = 2) -> Seeded:
    person = make_user(
        username=USERNAME,
        email=EMAIL,
        first_name=FIRST,
        last_name=LAST,
        job_title="Cheffe de projet",
        phone="+33 1 23 45 67 89",
        bio="J'aime la voile.",
    )
    colleague = make_user(first_name="Bastien", last_name="Marchal")
    space = make_space(owner=colleague, name="Projet Orion", members=(person,))
    seeded = Seeded(person=person, colleague=colleague, space=space)
    give_skill(person, "Gestion de projet", 3)
    follow_person(actor=person, person=colleague)
    seeded.attachment_bytes = image_bytes("PNG", (12, 9))
    for number in range(posts):
        body = f"Compte rendu numéro {number} du chantier"
        files = [(io.BytesIO(seeded.attachment_bytes), "plan.png")] if number == 0 else []
        post = feed_actions.create_post(actor=person, body=body, space=space, attachments=files)
        seeded.post_bodies.append(body)
        feed_actions.add_comment(actor=person, post=post, body=f"Précision {number}")
        feed_actions.react(actor=person, post=post, kind="like")
    feed_actions.create_post(actor=person, body="Sur mon propre mur", space=None)
    # Others @mention them: an erasure rewrites the mention (the old username would link to
    # whoever takes it next).
    thanks = feed_actions.create_post(
        actor=colleague, body=f"Merci @{USERNAME} pour le plan !", space=space
    )
    feed_actions.add_comment(actor=colleague, post=thanks, body=f"Bravo @{USERNAME}.")
    feed_actions.react(actor=person, post=thanks, kind="like")
    feed_actions.add_comment(actor=person, post=thanks, body="Avec plaisir")
    direct = make_direct(person, colleague)
    make_message(colleague, direct, f"@{USERNAME} on se voit à 14 h ?")
    seeded.chat_file_bytes = pdf()
    upload = SimpleUploadedFile("devis.pdf", seeded.chat_file_bytes, content_type="application/pdf")
    attachment = chat_actions.upload_attachment(
        actor=person, conversation_id=direct.pk, upload=upload
    )
    for number in range(messages):
        body = f"Message numéro {number} pour la réunion"
        extra = {"attachment_ids": [attachment.pk]} if number == 0 else {}
        make_message(person, direct, body, **extra)
        seeded.message_bodies.append(body)
    seeded.document_bytes = b"Budget 2027\nligne 1\n"
    root = documents_actions.root_of(documents_actions.space_library(space=space))
    documents_actions.upload_file(
        actor=person, folder=root, upload=io.BytesIO(seeded.document_bytes), name="budget.txt"
    )
    mine = documents_actions.root_of(documents_actions.personal_library(user=person))
    notes = documents_actions.upload_file(
        actor=person, folder=mine, upload=io.BytesIO(b"notes perso\n"), name="notes.txt"
    )
    # A share made, and one received.
    documents_actions.share(actor=person, item=notes.document, access="write", user=colleague)
    theirs = documents_actions.root_of(documents_actions.personal_library(user=colleague))
    plan = documents_actions.upload_file(
        actor=colleague, folder=theirs, upload=io.BytesIO(b"plan\n"), name="plan.txt"
    )
    documents_actions.share(actor=colleague, item=plan.document, access="read", user=person)
    seeded.page_title = "Guide du chantier"
    pages_actions.create_page(
        actor=person, space=space, title=seeded.page_title, body="Étapes du chantier."
    )
    seeded.event_title = "Revue de chantier"
    event = make_event(organiser=person, space=space, title=seeded.event_title)
    agenda_actions.invite(actor=person, event=event, people=[colleague])
    return seeded

"""Libraries, folders and files for the document base's tests, made through its actions."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from cercle.documents import actions


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def root_for(space: Any = None, *, owner: Any = None) -> Any:
    """The root folder of a space's library, or of `owner`'s "My documents"."""
    library = (
        actions.space_library(space=space)
        if space is not None
        else actions.personal_library(user=owner)
    )
    return actions.root_of(library)


def add_file(actor: Any, folder: Any, name: str = "notes.txt", data: bytes = b"Bonjour\n") -> Any:
    """A document uploaded by `actor` (who must be allowed to)."""
    return actions.upload_file(
        actor=actor, folder=folder, upload=io.BytesIO(data), name=name
    ).document


def add_folder(actor: Any, parent: Any, name: str = "Dossier") -> Any:
    return actions.create_folder(actor=actor, parent=parent, name=name)


def stored_files(root: Path) -> list[Path]:
    """The files in the documents' storage (`documents_storage` fixture's directory)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class PathlessStorage(InMemoryStorage):
    """A storage without local paths, as S3 is (`path()` is not implemented): in memory."""

    def path(self, name: str) -> str:
        raise NotImplementedError("no local path")

    def _relative_path(self, name: str) -> str:  # InMemoryStorage finds its files by path
        return os.path.relpath(InMemoryStorage.path(self, name), self.location)

"""Images of pages (pasted, dropped or chosen in the editor): through the upload policy, a
description required, by those who write the space's pages only, served to its readers only;
refusals change nothing (no row, no file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.pages import actions
from cercle.pages.models import PageImage
from cercle.spaces.models import Space
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_space, make_user
from tests.helpers.files import image_bytes, png_claiming

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: object) -> object:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    with translation.override("en"):
        yield


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anne() -> User:
    return make_user()


@pytest.fixture
def space(anne: User) -> Space:
    return make_space(owner=anne, kind="private")


def stored_files() -> set[str]:
    root = Path(settings.PAGES_ROOT)
    return {p.name for p in root.iterdir()} if root.exists() else set()


def upload(
    client: Client, space: Space, data: bytes, name: str = "photo.png", alt: str = "Un schéma"
) -> Any:
    return client.post(
        f"/spaces/{space.slug}/pages/images/",
        {"image": SimpleUploadedFile(name, data, content_type="image/png"), "alt": alt},
    )


def test_an_editor_adds_an_image_that_readers_see(anne: User, space: Space) -> None:
    before = stored_files()
    response = upload(client_for(anne), space, image_bytes("JPEG", (3000, 1500)), "scan.jpg")
    assert response.status_code == 201, response.content
    answer = response.json()
    image = PageImage.objects.get(pk=answer["id"])
    assert answer["markdown"] == f"![Un schéma](/pages/images/{image.pk}/)"
    assert image.alt == "Un schéma" and image.uploaded_by == anne and image.space == space
    assert len(stored_files() - before) == 1
    assert AuditEntry.objects.filter(action="pages.image_added", actor=anne).exists()
    bob = make_user()
    add_member(space, bob)
    served = client_for(bob).get(answer["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    import io

    from PIL import Image

    shown = Image.open(io.BytesIO(b"".join(served.streaming_content)))  # type: ignore[attr-defined]
    assert max(shown.size) == 2400  # fitted by the policy's rule
    # Someone outside the private space: one not-found.
    assert client_for(make_user()).get(answer["url"]).status_code == 404
    # The page that shows it renders the image with its description.
    page = actions.create_page(actor=anne, space=space, title="Plan", body=answer["markdown"])
    html = client_for(bob).get(f"/spaces/{space.slug}/pages/{page.slug}/").content.decode()
    assert f'<img src="/pages/images/{image.pk}/" alt="Un schéma"' in html


def test_refusals_change_nothing(anne: User, space: Space) -> None:
    client = client_for(anne)
    before = stored_files()
    cases = [
        (image_bytes(), "photo.png", "", 400, "alt"),  # no description
        (image_bytes(), "photo.png", "x" * 251, 400, "alt"),
        (image_bytes(), "photo.png", "a [link]", 400, "alt"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "x.svg",
            "Logo",
            400,
            "image",
        ),
        (b"%PDF-1.4 not an image", "doc.png", "Doc", 400, "image"),
        (png_claiming(20000, 20000), "bomb.png", "Bombe", 400, "image"),
    ]
    for data, name, alt, status, field in cases:
        response = upload(client, space, data, name, alt)
        assert response.status_code == status, (name, alt, response.content)
        assert field in response.json()["errors"], response.json()
    response = client.post(f"/spaces/{space.slug}/pages/images/", {"alt": "Rien"})
    assert response.status_code == 400
    assert client.get(f"/spaces/{space.slug}/pages/images/").status_code == 405
    assert not PageImage.objects.exists() and stored_files() == before


def test_only_writers_add_images(anne: User) -> None:
    staff = make_user(role="staff")
    intranet = organisation_space()
    reader = make_user()
    response = upload(client_for(reader), intranet, image_bytes())
    assert response.status_code == 403
    assert upload(client_for(staff), intranet, image_bytes()).status_code == 201
    private = make_space(owner=anne, kind="private")
    assert upload(client_for(make_user()), private, image_bytes()).status_code == 404
    assert PageImage.objects.count() == 1

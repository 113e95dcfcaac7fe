"""Files attached to posts: checked (real images re-encoded without metadata, documents by
signature), size-limited, and served only to those who can see the post."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from cercle.feed import actions
from cercle.feed.models import Attachment, Post
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_UPLOAD_MB = 1


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_image_is_reencoded_without_metadata_and_served_to_readers_only() -> None:
    author, outsider = make_user(), make_user()
    space = make_space(owner=author, kind="private")
    data = jpeg_with_exif()
    assert b"SecretCameraMaker" in data
    post = actions.create_post(
        actor=author, space=space, body="", attachments=[(io.BytesIO(data), "photo.JPG")]
    )
    [attachment] = post.attachments.all()
    assert attachment.is_image and (attachment.width, attachment.height) == (40, 30)
    stored = attachment.file.read()
    assert b"SecretCameraMaker" not in stored
    response = client_for(author).get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(outsider).get(f"/attachments/{attachment.pk}/").status_code == 404
    page = client_for(author).get(f"/posts/{post.pk}/").content.decode()
    assert f'src="/attachments/{attachment.pk}/"' in page


def test_documents_by_signature_and_refusals() -> None:
    author = make_user()
    post = actions.create_post(
        actor=author,
        body="Docs",
        attachments=[(io.BytesIO(b"%PDF-1.7 ..."), "compte-rendu.pdf")],
    )
    assert post.attachments.get().content_type == "application/pdf"
    refused = [
        (b"MZ\x90\x00 executable", "setup.exe"),
        (b"<script>alert(1)</script>", "page.html"),
        (b"<svg onload=alert(1)>", "image.svg"),
        (b"not a pdf", "fake.pdf"),
        (b"<html>", "fake.png"),
        (b"", "empty.txt"),
        (b"x" * (1024 * 1024 + 1), "big.txt"),
    ]
    before = Post.objects.count()
    for content, name in refused:
        with pytest.raises(ValidationError) as error:
            actions.create_post(actor=author, body="x", attachments=[(io.BytesIO(content), name)])
        assert "attachments" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.create_post(
            actor=author, body="x", attachments=[(io.BytesIO(b"a"), f"{i}.txt") for i in range(11)]
        )
    assert Post.objects.count() == before  # nothing half-written
    assert Attachment.objects.count() == 1


def test_upload_through_the_composer_and_api_listing() -> None:
    author = make_user()
    client = client_for(author)
    upload = SimpleUploadedFile("notes.txt", "Réunion à 10 h".encode(), content_type="text/plain")
    client.post("/posts/", {"body": "With a file", "attachments": [upload]})
    post = Post.objects.get(author=author)
    files = client.get(f"/api/v1/posts/{post.pk}").json()["attachments"]
    assert [(f["name"], f["content_type"]) for f in files] == [("notes.txt", "text/plain")]
    download = client.get(files[0]["url"])
    assert download["Content-Disposition"].startswith("attachment")
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    client.post("/posts/", {"body": "Bad", "attachments": [bad]})
    assert Post.objects.filter(author=author).count() == 1


def test_served_with_safe_headers_and_to_api_tokens_with_the_same_visibility() -> None:
    from cercle.accounts.actions.auth import create_api_token
    from tests.helpers import files

    author, outsider = make_user(), make_user()
    space = make_space(owner=author, kind="private")
    post = actions.create_post(
        actor=author,
        space=space,
        body="",
        attachments=[
            (io.BytesIO(files.jpeg_with_gps()), "vacances.jpg"),
            (io.BytesIO(files.pdf()), "compte rendu été.pdf"),
        ],
    )
    photo, report = post.attachments.all()
    assert not files.has_metadata(photo.file.read())
    _token, secret = create_api_token(user=author, name="app")
    _token, other = create_api_token(user=outsider, name="app")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    inline = api.get(f"/attachments/{photo.pk}/")
    assert inline.status_code == 200 and inline["Content-Type"] == "image/jpeg"
    assert inline["Content-Disposition"].startswith("inline;")
    assert not files.has_metadata(b"".join(inline.streaming_content))  # type: ignore[attr-defined]
    # A PDF opens in the browser's viewer (a phone too), which does not run under `sandbox`:
    # still nosniff and nothing loaded from elsewhere.
    download = api.get(f"/attachments/{report.pk}/")
    assert download["Content-Disposition"] == (
        'inline; filename="compte rendu ete.pdf"; '
        "filename*=UTF-8''compte%20rendu%20%C3%A9t%C3%A9.pdf"
    )
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].startswith("default-src 'none';")
    assert "sandbox" not in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == files.pdf()  # type: ignore[attr-defined]
    # Another person's token: the same 404 as a file that does not exist.
    hidden = Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(f"/attachments/{report.pk}/")
    missing = api.get("/attachments/999999/")
    assert hidden.status_code == missing.status_code == 404
    bad_token = Client(HTTP_AUTHORIZATION="Bearer nope").get(f"/attachments/{report.pk}/")
    assert bad_token.status_code == 401
    # Without credentials a browser is still sent to the login page; writes are not downloads.
    assert Client().get(f"/attachments/{report.pk}/").status_code == 302
    assert api.post(f"/attachments/{report.pk}/").status_code == 405
    # The API lists the URL that the token then downloads.
    listed = api.get(f"/api/v1/posts/{post.pk}").json()["attachments"]
    assert api.get(listed[1]["url"]).status_code == 200


def test_a_pdf_shows_its_first_page_to_those_who_see_the_post() -> None:
    from tests.helpers import files

    author, outsider = make_user(), make_user()
    space = make_space(owner=author, kind="private")
    post = actions.create_post(
        actor=author,
        space=space,
        body="La note",
        attachments=[
            (io.BytesIO(files.pdf()), "note.pdf"),
            (io.BytesIO(b"a;b\n1;2\n"), "tableau.csv"),
        ],
    )
    pdf, table = post.attachments.all()
    preview = client_for(author).get(f"/attachments/{pdf.pk}/preview/")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert preview["X-Content-Type-Options"] == "nosniff"
    picture = Image.open(io.BytesIO(preview.content))
    assert picture.format == "PNG" and picture.size == (720, 720)  # a square page, 720 px wide
    # Only for those who see the post, only for PDFs.
    assert client_for(outsider).get(f"/attachments/{pdf.pk}/preview/").status_code == 404
    assert client_for(author).get(f"/attachments/{table.pk}/preview/").status_code == 404
    # The card shows the picture, linked to the PDF opened in a new tab; other files download.
    page = client_for(author).get(f"/posts/{post.pk}/").content.decode()
    assert f'src="/attachments/{pdf.pk}/preview/"' in page
    assert f'href="/attachments/{table.pk}/" download' in page


def test_a_damaged_pdf_has_no_preview_and_no_error() -> None:
    from cercle.core.previews import pdf_first_page_png

    assert pdf_first_page_png(io.BytesIO(b"%PDF-1.4\nnot really")) is None
    assert pdf_first_page_png(io.BytesIO(b"")) is None

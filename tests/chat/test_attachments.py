"""Files in conversations: checked on upload, attached on send, served to members only."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from PIL import Image

from cercle.chat import actions, queries
from cercle.chat.models import Attachment
from tests.factories import make_direct, make_message, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def png(width: int = 40, height: int = 30) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return SimpleUploadedFile("../../photo d'équipe.png", buffer.getvalue(), "image/png")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_upload_checks_and_send_with_files() -> None:
    anne, bruno, stranger = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    image = actions.upload_attachment(actor=anne, conversation_id=conversation.pk, upload=png())
    assert image.is_image and (image.width, image.height) == (40, 30)
    assert image.content_type == "image/png"
    assert "/" not in image.name and not image.name.startswith(".")
    doc = actions.upload_attachment(
        actor=anne,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("notes.txt", b"hello", "text/plain"),
    )
    assert not doc.is_image and doc.content_type == "text/plain"
    # A page or a fake image is never served as what it claims.
    page = actions.upload_attachment(
        actor=anne,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("x.html", b"<script>alert(1)</script>", "text/html"),
    )
    assert page.content_type == "application/octet-stream"
    fake = actions.upload_attachment(
        actor=anne,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("fake.png", b"not an image", "image/png"),
    )
    assert not fake.is_image
    for bad in [
        SimpleUploadedFile("virus.exe", b"MZ...", "application/octet-stream"),
        SimpleUploadedFile("empty.txt", b"", "text/plain"),
    ]:
        with pytest.raises(ValidationError):
            actions.upload_attachment(actor=anne, conversation_id=conversation.pk, upload=bad)
    with pytest.raises(Http404):
        actions.upload_attachment(actor=stranger, conversation_id=conversation.pk, upload=png())

    # Bruno cannot send Anne's upload; Anne sends hers, with no text.
    with pytest.raises(ValidationError):
        make_message(bruno, conversation, "", attachment_ids=[image.pk])
    message = make_message(anne, conversation, "", attachment_ids=[image.pk, doc.pk])
    assert sorted(a.pk for a in message.attachments.all()) == sorted([image.pk, doc.pk])
    with pytest.raises(ValidationError):  # already sent
        make_message(anne, conversation, "again", attachment_ids=[image.pk])
    with pytest.raises(ValidationError):
        make_message(anne, conversation, "", attachment_ids=[])


def test_size_limit(settings: Any) -> None:
    settings.MAX_UPLOAD_MB = 1
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1), "application/octet-stream")
    with pytest.raises(ValidationError) as error:
        actions.upload_attachment(actor=anne, conversation_id=conversation.pk, upload=big)
    assert "file" in error.value.message_dict
    assert Attachment.objects.count() == 0


def test_files_are_served_to_members_only_and_go_with_their_message() -> None:
    anne, bruno, stranger = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    image = actions.upload_attachment(actor=anne, conversation_id=conversation.pk, upload=png())
    doc = actions.upload_attachment(
        actor=anne,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("notes.txt", b"hello", "text/plain"),
    )
    # Before sending, only the uploader sees it.
    assert client_for(bruno).get(f"/messages/files/{image.pk}/").status_code == 404
    message = make_message(anne, conversation, "voilà", attachment_ids=[image.pk, doc.pk])
    inline = client_for(bruno).get(f"/messages/files/{image.pk}/")
    assert inline.status_code == 200 and inline["Content-Type"] == "image/png"
    assert "attachment" not in inline.get("Content-Disposition", "")
    assert inline["X-Content-Type-Options"] == "nosniff"
    download = client_for(bruno).get(f"/messages/files/{doc.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"hello"  # type: ignore[attr-defined]
    assert client_for(stranger).get(f"/messages/files/{image.pk}/").status_code == 404
    page = client_for(bruno).get(f"/messages/{conversation.pk}/").content.decode()
    assert f'src="/messages/files/{image.pk}/"' in page and "notes.txt" in page
    path = Path(image.file.path)
    actions.delete_message(actor=anne, message_id=message.pk)
    assert not path.exists()
    with pytest.raises(Http404):
        queries.access_attachment(bruno, image.pk)


def test_upload_and_send_through_the_api_and_the_form() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    api = client_for(anne)
    uploaded = api.post(f"/api/v1/conversations/{conversation.pk}/attachments", {"file": png()})
    assert uploaded.status_code == 201, uploaded.content
    body = uploaded.json()
    assert body["image"] is True and body["url"] == f"/messages/files/{body['id']}/"
    refused = api.post(
        f"/api/v1/conversations/{conversation.pk}/attachments",
        {"file": SimpleUploadedFile("run.bat", b"echo", "text/plain")},
    )
    assert refused.status_code == 400 and "file" in refused.json()["detail"]
    sent = api.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"client_id": "f1", "body": "", "attachments": [body["id"]]},
        content_type="application/json",
    )
    assert sent.status_code == 201 and [a["id"] for a in sent.json()["attachments"]] == [body["id"]]
    # Without JavaScript: the composer form posts the files with the text.
    api.post(
        f"/messages/{conversation.pk}/send/",
        {
            "body": "le compte rendu",
            "files": [SimpleUploadedFile("cr.pdf", b"%PDF-1.4", "application/pdf")],
        },
    )
    last = queries.history(anne, conversation.pk).items[0]
    assert last.body == "le compte rendu" and last.attachments.get().name == "cr.pdf"


def test_photos_lose_their_gps_and_files_download_with_an_api_token() -> None:
    from cercle.accounts.actions.auth import create_api_token
    from tests.helpers import files

    anne, bruno, stranger = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    photo = actions.upload_attachment(
        actor=anne,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("IMG_0042.jpg", files.jpeg_with_gps((60, 40)), "image/jpeg"),
    )
    page = actions.upload_attachment(
        actor=anne,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("notes.txt", files.HTML, "text/plain"),
    )
    make_message(anne, conversation, "", attachment_ids=[photo.pk, page.pk])
    assert not files.has_metadata(Path(photo.file.path).read_bytes())
    _token, secret = create_api_token(user=bruno, name="phone")
    _token, other = create_api_token(user=stranger, name="phone")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = api.get(f"/api/v1/conversations/{conversation.pk}/messages").json()
    urls = [a["url"] for a in listed["items"][0]["attachments"]]
    inline = api.get(urls[0])
    assert inline.status_code == 200 and inline["Content-Type"] == "image/jpeg"
    assert not files.has_metadata(b"".join(inline.streaming_content))  # type: ignore[attr-defined]
    download = api.get(urls[1])
    assert download["Content-Type"] == "application/octet-stream"  # HTML never runs
    assert download["Content-Disposition"].startswith('attachment; filename="notes.txt"')
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    hidden = Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(urls[0])
    assert hidden.status_code == api.get("/messages/files/999999/").status_code == 404


def test_photos_sent_before_the_policy_are_stripped_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.management import call_command

    from tests.helpers import files

    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    # A row as the chat stored it before cercle.core.uploads: the sender's name, the EXIF kept.
    legacy = Attachment.objects.create(
        conversation=conversation,
        uploader=anne,
        file=SimpleUploadedFile("IMG_0007.jpg", files.jpeg_with_gps((40, 30), orientation=6)),
        name="IMG_0007.jpg",
        size=1,
        content_type="image/jpeg",
        is_image=True,
        width=40,
        height=30,
    )
    old_path = Path(legacy.file.path)
    assert files.has_metadata(old_path.read_bytes())
    fresh = actions.upload_attachment(
        actor=anne,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("new.png", png().read(), "image/png"),
    )
    fresh_name = fresh.file.name
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("strip_photo_metadata", stdout=out)
    assert "1 photo(s)" in out.getvalue()
    legacy.refresh_from_db()
    stored = Path(legacy.file.path).read_bytes()
    assert not files.has_metadata(stored) and not old_path.exists()
    assert (legacy.width, legacy.height, legacy.size) == (30, 40, len(stored))
    assert legacy.name == "IMG_0007.jpg" and "IMG_0007" not in legacy.file.name
    fresh.refresh_from_db()
    assert fresh.file.name == fresh_name  # already clean: untouched
    call_command("strip_photo_metadata", stdout=out)
    assert "0 photo(s)" in out.getvalue()

"""`cercle.core.uploads`: the content decides the type, names are cleaned, sizes and pixels are
bounded, images lose their metadata, and stored files are served so that no browser runs them.
One test set per purpose, each through the purpose's real entry point, with real files."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation
from PIL import Image

from cercle.accounts.actions.auth import create_api_token
from cercle.accounts.images import PHOTO_MAX_PX, PROFILE_PHOTO, SPACE_IMAGE, process_photo
from cercle.administration.actions import LOGO, process_logo
from cercle.chat import actions as chat_actions
from cercle.chat.attachments import CHAT_ATTACHMENT
from cercle.core import uploads
from cercle.feed import actions as feed_actions
from cercle.feed.attachments import POST_ATTACHMENT
from cercle.feed.models import Attachment as PostAttachment
from tests.factories import make_direct, make_user
from tests.helpers import files


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_UPLOAD_MB = 1


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def check(data: bytes, name: str, purpose: uploads.Purpose) -> uploads.CheckedFile:
    return uploads.check(io.BytesIO(data), name, purpose)


def refusal(data: bytes, name: str, purpose: uploads.Purpose) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        check(data, name, purpose)
    return error.value


def content_of(checked: uploads.CheckedFile) -> bytes:
    checked.content.seek(0)
    return checked.content.read()


# --- Names and kinds, for every purpose. --------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("a\x00b.txt", "ab.txt"),
        ("line\nbreak\r.txt", "linebreak.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hiding ".exe"
        (".htaccess", "htaccess"),
        ("photo d'équipe (1).png", "photo d'équipe (1).png"),
        ('say "hi" <b>|*?.txt', "say _hi_ _b____.txt"),
        ("", "file"),
        ("...", "file"),
        ("É" * 300 + ".pdf", "É" * 146 + ".pdf"),
    ],
)
def test_names_are_cleaned(given: str, cleaned: str) -> None:
    assert uploads.clean_name(given) == cleaned
    assert len(uploads.clean_name(given)) <= uploads.NAME_LENGTH


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (files.jpeg_with_gps(), uploads.JPEG),
        (files.image_bytes("PNG"), uploads.PNG),
        (files.image_bytes("WEBP"), uploads.WEBP),
        (files.animated_gif(), uploads.GIF),
        (files.pdf(), uploads.PDF),
        (files.docx(), uploads.DOCX),
        (files.odt(), uploads.ODT),
        (files.plain_zip(), uploads.ZIP),
        (files.windows_program(), uploads.PROGRAM),
        (b"#!/bin/sh\nrm -rf ~\n", uploads.PROGRAM),
        (files.HTML, uploads.MARKUP),
        (files.SVG, uploads.MARKUP),
        (b"\xef\xbb\xbf  <svg onload=alert(1)>", uploads.MARKUP),
        ("Réunion à 10 h, salle Zoé".encode(), uploads.TEXT),
        (b"MZ is how our team signs its notes", uploads.TEXT),  # text, not a program
        (b"\x00\x01\x02binary", uploads.OTHER),
        (files.image_bytes("BMP"), uploads.OTHER_IMAGE),
    ],
)
def test_the_kind_comes_from_the_content(data: bytes, kind: uploads.Kind) -> None:
    assert uploads.sniff(io.BytesIO(data)) is kind


def test_the_name_and_the_client_content_type_never_decide() -> None:
    upload = SimpleUploadedFile("report.pdf", files.HTML, content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        uploads.check(upload, upload.name or "", POST_ATTACHMENT)
    assert error.value.code == "mismatch"
    photo = SimpleUploadedFile("holiday.txt", files.jpeg_with_gps(), content_type="text/plain")
    checked = uploads.check(photo, photo.name or "", POST_ATTACHMENT)
    assert checked.kind is uploads.JPEG and checked.content_type == "image/jpeg"
    assert checked.name == "holiday.txt.jpg"  # the extension follows the content


# --- Post attachments (feed). ------------------------------------------------------------------


class TestPostAttachment:
    def test_a_phone_photo_loses_its_gps_and_keeps_its_orientation(self) -> None:
        data = files.jpeg_with_gps((40, 30), orientation=6)  # shown turned a quarter
        assert files.has_metadata(data)
        checked = check(data, "IMG_0001.JPG", POST_ATTACHMENT)
        stored = content_of(checked)
        assert not files.has_metadata(stored)
        assert (checked.width, checked.height) == (30, 40)  # upright, as phones show it
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG" and image.size == (30, 40)
            red, green, _blue = image.convert("RGB").getpixel((25, 2))  # type: ignore[misc]
            assert red > 200 and green < 60  # the red corner, now top right
        assert checked.name == "IMG_0001.JPG" and checked.storage_name().endswith(".jpg")

    def test_png_text_chunks_and_exif_are_dropped(self) -> None:
        data = files.png_with_text()
        assert files.has_metadata(data)
        checked = check(data, "capture.png", POST_ATTACHMENT)
        assert checked.kind is uploads.PNG and not files.has_metadata(content_of(checked))

    def test_animated_gifs_keep_their_frames_but_not_their_comments(self) -> None:
        checked = check(files.animated_gif(b"GPS 48.85N"), "cat.gif", POST_ATTACHMENT)
        stored = content_of(checked)
        assert b"GPS 48.85N" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "GIF" and getattr(image, "n_frames", 1) == 3

    @pytest.mark.parametrize(
        ("data", "name", "content_type"),
        [
            (files.pdf(), "compte-rendu.pdf", "application/pdf"),
            (files.docx(), "note.docx", uploads.DOCX.content_type),
            (files.odt(), "note.odt", uploads.ODT.content_type),
            (b"a;b\n1;2\n", "table.csv", "text/csv"),
            ("Réunion".encode(), "notes.txt", "text/plain"),
        ],
    )
    def test_documents_are_kept_as_sent(self, data: bytes, name: str, content_type: str) -> None:
        checked = check(data, name, POST_ATTACHMENT)
        assert (checked.name, checked.content_type) == (name, content_type)
        assert content_of(checked) == data and not checked.is_image

    @pytest.mark.parametrize(
        ("data", "name", "code"),
        [
            (files.windows_program(), "rapport.pdf", "program"),  # a renamed .exe
            (b"echo hello", "run.bat", "program"),
            (files.HTML, "notes.txt", "mismatch"),  # HTML disguised as text
            (files.HTML, "page.html", "not_allowed"),
            (files.SVG, "logo.svg", "not_allowed"),
            (files.SVG, "logo.png", "invalid_image"),
            (b"not a pdf", "fake.pdf", "mismatch"),
            (files.plain_zip(), "archive.zip", "not_allowed"),
            (b"", "empty.txt", "empty"),
            (b"x" * (1024 * 1024 + 1), "big.txt", "too_large"),
            (files.huge_pixels_png(), "poster.png", "too_large"),
            (files.png_claiming(100_000, 100_000), "bomb.png", "too_large"),
            (b"\x89PNG\r\n\x1a\ntruncated", "broken.png", "invalid_image"),
        ],
    )
    def test_refused(self, data: bytes, name: str, code: str) -> None:
        assert refusal(data, name, POST_ATTACHMENT).code == code

    @pytest.mark.django_db
    def test_a_refused_file_writes_nothing(self, tmp_path: Path) -> None:
        author = make_user()
        with pytest.raises(ValidationError) as error:
            feed_actions.create_post(
                actor=author,
                body="Photos",
                attachments=[
                    (io.BytesIO(files.jpeg_with_gps()), "ok.jpg"),
                    (io.BytesIO(files.windows_program()), "setup.pdf"),
                ],
            )
        assert "setup.pdf" in error.value.message_dict["attachments"][0]
        assert not PostAttachment.objects.exists() and stored_files(tmp_path) == []


# --- Chat attachments. -------------------------------------------------------------------------


@pytest.mark.django_db
class TestChatAttachment:
    def send(self, data: bytes, name: str) -> Any:
        anne, bruno = make_user(), make_user()
        conversation = make_direct(anne, bruno)
        upload = SimpleUploadedFile(name, data, "application/octet-stream")
        return chat_actions.upload_attachment(
            actor=anne, conversation_id=conversation.pk, upload=upload
        )

    def test_a_chat_photo_does_not_leak_its_gps_position(self) -> None:
        sent = self.send(files.jpeg_with_gps((1200, 900), orientation=8), "IMG_2024.jpg")
        stored = Path(sent.file.path).read_bytes()
        assert not files.has_metadata(stored)
        assert sent.is_image and (sent.width, sent.height) == (900, 1200)
        assert sent.size == len(stored)
        # Stored under a random name, not the one the sender chose.
        assert "IMG_2024" not in sent.file.name and sent.file.name.endswith(".jpg")

    @pytest.mark.parametrize(
        ("data", "name", "content_type"),
        [
            (files.HTML, "notes.txt", "application/octet-stream"),
            (files.SVG, "dessin.svg", "application/octet-stream"),
            (b"not an image", "fake.png", "application/octet-stream"),
            (b"\x00\x01 a CAD drawing", "plan.dwg", "application/octet-stream"),
            (files.plain_zip(), "photos.zip", "application/zip"),
            (files.pdf(), "cr.pdf", "application/pdf"),
        ],
    )
    def test_other_files_are_plain_downloads(
        self, data: bytes, name: str, content_type: str
    ) -> None:
        sent = self.send(data, name)
        assert (sent.name, sent.content_type, sent.is_image) == (name, content_type, False)
        assert not sent.file.name.endswith((".html", ".svg", ".txt", ".png"))

    @pytest.mark.parametrize(
        ("data", "name", "code"),
        [
            (files.windows_program(), "vacances.jpg", "program"),
            (b"Set shell = CreateObject()", "invoice.pdf.vbs", "program"),
            (b"", "empty.txt", "empty"),
            (b"x" * (1024 * 1024 + 1), "big.bin", "too_large"),
            (files.png_claiming(60_000, 60_000), "bomb.png", "too_large"),
        ],
    )
    def test_refused(self, data: bytes, name: str, code: str) -> None:
        assert refusal(data, name, CHAT_ATTACHMENT).code == code
        with pytest.raises(ValidationError) as error:
            self.send(data, name)
        assert "file" in error.value.message_dict


# --- Profile photos and space images. -----------------------------------------------------------


@pytest.mark.parametrize("purpose", [PROFILE_PHOTO, SPACE_IMAGE], ids=["photo", "space"])
class TestPhoto:
    def test_a_square_without_metadata(self, purpose: uploads.Purpose) -> None:
        content = process_photo(
            io.BytesIO(files.jpeg_with_gps((1200, 900), orientation=6)), purpose=purpose
        )
        data = content.read()
        assert content.name == "photo.jpg" and not files.has_metadata(data)
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (PHOTO_MAX_PX, PHOTO_MAX_PX)

    def test_transparency_is_kept_as_png(self, purpose: uploads.Purpose) -> None:
        content = process_photo(
            io.BytesIO(files.image_bytes("PNG", (80, 50), "RGBA")), purpose=purpose
        )
        with Image.open(io.BytesIO(content.read())) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (50, 50))
        assert content.name == "photo.png"

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            (files.SVG, "invalid_image"),
            (files.pdf(), "invalid_image"),
            (files.windows_program(), "program"),
            (files.image_bytes("BMP"), "invalid_image"),
            (b"", "invalid_image"),
            (b"\0" * (1024 * 1024 + 1), "too_large"),
            (files.huge_pixels_png(), "too_large"),
            (files.png_claiming(100_000, 100_000), "too_large"),
        ],
    )
    def test_refused(self, purpose: uploads.Purpose, data: bytes, code: str) -> None:
        with pytest.raises(ValidationError) as error:
            process_photo(io.BytesIO(data), purpose=purpose)
        assert error.value.code == code


# --- The organisation's logo. -------------------------------------------------------------------


class TestLogo:
    def test_fitted_png_without_metadata(self) -> None:
        upload = SimpleUploadedFile("logo.jpg", files.jpeg_with_gps((1000, 400)), "image/jpeg")
        data = process_logo(upload).read()
        assert not files.has_metadata(data)
        with Image.open(io.BytesIO(data)) as image:
            assert (image.format, image.size) == ("PNG", (256, 102))

    def test_its_own_size_limit(self, settings: Any) -> None:
        settings.MAX_UPLOAD_MB = 100  # the logo's 5 MB is its own
        assert LOGO.max_bytes() == 5 * 1024 * 1024
        with translation.override("en"), pytest.raises(ValidationError) as error:
            process_logo(SimpleUploadedFile("logo.png", b"\0" * (5 * 1024 * 1024 + 1)))
        assert error.value.messages == ["logo.png is too large (at most 5 MB)."]

    @pytest.mark.parametrize("data", [files.SVG, files.HTML, files.png_claiming(90_000, 90_000)])
    def test_refused(self, data: bytes) -> None:
        with pytest.raises(ValidationError):
            process_logo(SimpleUploadedFile("logo.png", data, "image/png"))


# --- Serving. ----------------------------------------------------------------------------------


class _Stored:
    """What `serve` needs of a FieldFile: `open`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self, mode: str = "rb") -> Any:
        return self.path.open(mode)


def served(tmp_path: Path, name: str, content_type: str, data: bytes = b"data") -> HttpResponse:
    path = tmp_path / "stored.bin"
    path.write_bytes(data)
    response: Any = uploads.serve(_Stored(path), name=name, content_type=content_type)  # type: ignore[arg-type]
    return response


@pytest.mark.parametrize(
    ("content_type", "served_as", "disposition"),
    [
        ("image/png", "image/png", "inline"),
        ("image/jpeg", "image/jpeg", "inline"),
        ("application/pdf", "application/pdf", "attachment"),
        ("text/plain", "text/plain; charset=utf-8", "attachment"),
        # Rows older than the policy may hold any type: never served as something that runs.
        ("text/html", "application/octet-stream", "attachment"),
        ("image/svg+xml", "application/octet-stream", "attachment"),
        ("application/xml", "application/octet-stream", "attachment"),
        ("text/javascript", "application/octet-stream", "attachment"),
    ],
)
def test_served_safely(tmp_path: Path, content_type: str, served_as: str, disposition: str) -> None:
    response = served(tmp_path, "fichier", content_type)
    assert response["Content-Type"] == served_as
    assert response["Content-Disposition"].startswith(disposition + ";")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "private" in response["Cache-Control"]


def test_download_names_follow_rfc_6266(tmp_path: Path) -> None:
    response = served(tmp_path, 'compte rendu "été"\r\n.pdf', "application/pdf")
    assert response["Content-Disposition"] == (
        'attachment; filename="compte rendu _ete_.pdf"; '
        "filename*=UTF-8''compte%20rendu%20_%C3%A9t%C3%A9_.pdf"
    )


# --- Downloads by session or token. ------------------------------------------------------------


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"for {request.user.pk}")


@pytest.mark.django_db
def test_download_view_takes_a_session_or_a_bearer_token() -> None:
    view = uploads.download_view(_view)
    factory = RequestFactory()
    person = make_user()
    _token, secret = create_api_token(user=person, name="phone")

    request = factory.get("/file/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    request.user = make_user()  # a cookie for someone else: the token decides
    response = view(request)
    assert response.status_code == 200 and response.content == f"for {person.pk}".encode()

    for header in ("Bearer crc_not_a_token", "Bearer ", "bearer  "):
        request = factory.get("/file/", HTTP_AUTHORIZATION=header)
        request.user = person
        refused = view(request)
        assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")

    from django.contrib.auth.models import AnonymousUser

    request = factory.get("/file/")
    request.user = AnonymousUser()
    login = view(request)
    assert login.status_code == 302 and "/accounts/login/" in login["Location"]

    request = factory.post("/file/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    request.user = person
    assert view(request).status_code == 405  # downloads only: nothing to forge
    person.is_active = False
    person.save()
    request = factory.get("/file/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    request.user = AnonymousUser()
    assert view(request).status_code == 401


@pytest.mark.django_db
def test_media_files_by_path_carry_the_same_headers(client: Any, tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.png").write_bytes(files.image_bytes("PNG"))
    (tmp_path / "photos" / "old.html").write_bytes(files.HTML)
    image = client.get("/media/photos/a.png")
    assert image.status_code == 200 and image["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Disposition"].startswith("inline")
    page = client.get("/media/photos/old.html")
    assert page["Content-Disposition"].startswith("attachment;")
    assert page["Content-Security-Policy"] == "default-src 'none'; sandbox"

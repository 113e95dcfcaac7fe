"""Photo processing with real image bytes made by Pillow."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from cercle.accounts.images import PHOTO_MAX_PX, process_photo


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 900), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2024:01:01 10:00:00"  # DateTime
    gps = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    exif[0x8825] = gps  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_the_test_image_really_has_gps_exif() -> None:
    with Image.open(io.BytesIO(_jpeg_with_gps())) as image:
        assert image.getexif().get_ifd(0x8825)


def test_exif_and_gps_are_stripped_and_the_photo_resized() -> None:
    content = process_photo(io.BytesIO(_jpeg_with_gps()))
    data = content.read()
    assert b"Exif" not in data
    assert b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (PHOTO_MAX_PX, PHOTO_MAX_PX)
        exif = image.getexif()
        assert not exif.get_ifd(0x8825)
        assert 0x010F not in exif
        assert "exif" not in image.info


def test_small_photos_are_not_enlarged_and_transparency_kept() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (100, 60), (0, 0, 0, 0)).save(buffer, format="PNG")
    content = process_photo(io.BytesIO(buffer.getvalue()))
    with Image.open(io.BytesIO(content.read())) as image:
        assert image.format == "PNG"
        assert image.size == (60, 60)
        assert image.mode == "RGBA"


@pytest.mark.parametrize(
    "data",
    [
        b"this is a text file pretending to be an image",
        b"",
        b"\x89PNG\r\n\x1a\n" + b"truncated",
        b"%PDF-1.4 not an image",
    ],
)
def test_non_images_are_refused(data: bytes) -> None:
    with pytest.raises(ValidationError) as error:
        process_photo(io.BytesIO(data))
    assert error.value.code == "invalid_image"


def test_too_large_files_are_refused(settings: object) -> None:
    settings.MAX_UPLOAD_MB = 1  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as error:
        process_photo(io.BytesIO(b"\0" * (1024 * 1024 + 1)))
    assert error.value.code == "too_large"


def test_unsupported_formats_are_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    with pytest.raises(ValidationError):
        process_photo(io.BytesIO(buffer.getvalue()))

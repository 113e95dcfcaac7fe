"""Real files for upload tests, made here: a phone photo with its GPS position, a PDF, office
documents, a renamed program, HTML and SVG in disguise, a tiny file claiming a huge image."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112
CAMERA = "PhoneMakerXYZ"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>48,51.4N</exif:GPSLatitude></x:xmpmeta>'
)


def jpeg_with_gps(size: tuple[int, int] = (40, 30), *, orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: maker, date and GPS position (Paris) in its EXIF, the
    position again in its XMP."""
    image = Image.new("RGB", size, (10, 120, 200))
    image.paste((250, 10, 10), (0, 0, size[0] // 4, size[1] // 4))  # a red top-left corner
    exif = Image.Exif()
    exif[MAKE] = CAMERA
    exif[0x0132] = "2024:01:01 10:00:00"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    if orientation is not None:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, xmp=XMP, quality=95)
    return buffer.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    colours: dict[str, tuple[int, ...] | int] = {"RGBA": (0, 0, 0, 0), "RGB": (200, 30, 30)}
    Image.new(mode, size, colours.get(mode, 0)).save(buffer, format=fmt)
    return buffer.getvalue()


def png_with_text() -> bytes:
    """A PNG with EXIF and text chunks (where editors put GPS positions and authors)."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CAMERA)
    info.add_text("XML:com.adobe.xmp", XMP.decode())
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, format="PNG", pnginfo=info, exif=exif)
    return buffer.getvalue()


def animated_gif(comment: bytes = b"secret comment") -> bytes:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue", "green")]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment=comment,
    )
    return buffer.getvalue()


def pdf() -> bytes:
    """A minimal, valid one-page PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "word/document.xml": '<?xml version="1.0"?><w:document/>',
        }
    )


def odt() -> bytes:
    return _zip(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": '<?xml version="1.0"?><office:document-content/>',
        }
    )


def plain_zip() -> bytes:
    return _zip({"notes.txt": "hello"})


def windows_program() -> bytes:
    """The start of a Windows program (DOS header, stub message, PE signature)."""
    header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44
    header += struct.pack("<I", 0x80)  # e_lfanew
    stub = b"This program cannot be run in DOS mode.\r\r\n$".ljust(64, b"\x00")
    return header + stub + b"PE\x00\x00" + b"\x00" * 200


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(2)</script></svg>"
)


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims a huge image (a decompression bomb's shape)."""
    data = bytearray(image_bytes("PNG", (1, 1), "L"))
    ihdr = 8  # after the signature: length (4), "IHDR" (4), data (13), crc (4)
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 21])) & 0xFFFFFFFF
    data[ihdr + 21 : ihdr + 25] = struct.pack(">I", crc)
    return bytes(data)


@functools.cache
def huge_pixels_png(width: int = 8000, height: int = 6000) -> bytes:
    """A real, well-formed image of 48 million pixels, some kilobytes once compressed."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def has_metadata(data: bytes) -> bool:
    """Whether image bytes still carry EXIF (maker, GPS) or the camera's name anywhere."""
    if CAMERA.encode() in data or b"Exif\x00\x00" in data or b"GPSLatitude" in data:
        return True
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        kept = {"exif", "xmp", "XML:com.adobe.xmp", "Author"} & set(image.info)
        return bool(exif) or bool(exif.get_ifd(GPS_IFD)) or bool(kept)

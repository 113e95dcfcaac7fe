"""One policy for every file people send, and one way to serve it back.

A module that accepts files declares a `Purpose` next to its own code (which kinds of file it takes,
how large, what becomes of images) and calls `check(upload, name, purpose)` before writing
anything; the views that hand a stored file back use `serve(...)`, behind `download_view`.

- **The type is decided by the content**, never by the file's name nor by the content type the
  client sent: signatures (`%PDF-`, `PK…`, `MZ`…), Pillow for images, a look inside zip files for
  office documents, UTF-8 for text. A name whose extension claims another type is refused (or, for
  a purpose that takes any other file, kept as a plain download). Programs (by signature and by
  extension) and markup a browser would run (HTML, SVG, XML) are never accepted as what they are.
- **Names are cleaned** (`clean_name`): no path, NUL, control or format characters, nor characters
  that are unsafe in a file name; at most 150 characters, extension kept. Files are stored under a
  random name (`CheckedFile.storage_name`) whose extension follows the content.
- **Sizes** are limited per purpose (`Purpose.max_bytes`, read from the settings when checking);
  images also by their pixels (`MAX_PIXELS`, decompression bombs).
- **Images are re-encoded**, for every purpose: orientation applied, then only the pixels kept (no
  EXIF, GPS, XMP nor comments; the colour profile stays, for the same colours), animation kept.
- **Serving** (`serve`): `X-Content-Type-Options: nosniff`, a sandboxing Content-Security-Policy,
  `Content-Disposition` (inline only for the images above, as a download for everything else, with
  an RFC 6266 `filename*`), and a content type taken from the known kinds only.
- **Downloads** (`download_view`) accept the browser's session or an API token
  (`Authorization: Bearer …`, checked by what `register_token_authenticator` was given), for GET and
  HEAD only.

Nothing here holds a whole file in memory except images, which are bounded (size and pixels): the
checks read a file's head, zip directories and text in chunks, and a checked file that is not an
image is stored from the upload itself. A purpose for large files (the document base) can therefore
raise its `max_bytes` without changing this module.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import uuid
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.static import serve as static_serve
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db.models.fields.files import FieldFile
    from django_stubs_ext import StrOrPromise

# Images larger than this (width × height, all frames together for animations) are refused before
# their pixels are decoded: a small file can hold a huge image (a decompression bomb).
MAX_PIXELS = 40_000_000
MAX_FRAMES = 1_000
NAME_LENGTH = 150
HEAD_BYTES = 4096  # what signature checks read
CHUNK_BYTES = 64 * 1024


# --- Kinds: what the content proves a file to be. --------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A type of file recognised by its content. `extensions[0]` is the one given to names (and
    stored files) that lack a matching one."""

    code: str
    content_type: str
    extensions: tuple[str, ...]
    image: bool = False


JPEG = Kind("jpeg", "image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"), image=True)
PNG = Kind("png", "image/png", (".png",), image=True)
GIF = Kind("gif", "image/gif", (".gif",), image=True)
WEBP = Kind("webp", "image/webp", (".webp",), image=True)
PDF = Kind("pdf", "application/pdf", (".pdf",))
DOCX = Kind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = Kind(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
)
ODT = Kind("odt", "application/vnd.oasis.opendocument.text", (".odt",))
ODS = Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", (".ods",))
ODP = Kind("odp", "application/vnd.oasis.opendocument.presentation", (".odp",))
# Plain UTF-8 text without markup; the name tells which text it is (a CSV is still text).
TEXT = Kind("text", "text/plain", (".txt", ".csv", ".md", ".tsv", ".log"))
ZIP = Kind("zip", "application/zip", (".zip",))
# Any other file, for the purposes that take one: always a download, never opened by the browser.
OTHER = Kind("other", "application/octet-stream", (".bin",))
# Recognised so as to be refused (or, for purposes taking any file, kept as OTHER):
PROGRAM = Kind("program", "application/octet-stream", (".exe",))
MARKUP = Kind("markup", "text/html", (".html", ".htm", ".xhtml", ".svg", ".svgz", ".xml", ".xsl"))
OTHER_IMAGE = Kind(
    "other-image", "application/octet-stream", (".bmp", ".tif", ".tiff", ".ico", ".psd", ".heic")
)

IMAGES = frozenset({JPEG, PNG, GIF, WEBP})
OFFICE = frozenset({DOCX, XLSX, PPTX, ODT, ODS, ODP})
DOCUMENTS = frozenset({PDF, TEXT}) | OFFICE
KNOWN = IMAGES | DOCUMENTS | {ZIP, PROGRAM, MARKUP, OTHER_IMAGE}
TEXT_TYPES = {".csv": "text/csv", ".md": "text/markdown", ".tsv": "text/tab-separated-values"}
# MPO: the JPEG of many phones (a JPEG with more pictures after the first one).
_PIL_KINDS = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "GIF": GIF, "WEBP": WEBP}

# Names that run when opened, whatever they hold (a .bat or a .js is text): never accepted.
_PROGRAM_EXTENSIONS = (
    ".exe", ".msi", ".msix", ".msp", ".bat", ".cmd", ".com", ".scr", ".pif", ".vbs", ".vbe",
    ".js", ".jse", ".mjs", ".wsf", ".wsh", ".ps1", ".psm1", ".hta", ".cpl", ".jar", ".apk",
    ".dll", ".sh", ".command", ".lnk", ".reg", ".appimage", ".scf", ".url", ".desktop", ".iso",
    ".img", ".vhd", ".vhdx", ".library-ms", ".application", ".gadget", ".inf", ".ins", ".isp",
    ".jnlp", ".mst", ".msc", ".ocx", ".sys", ".ws", ".xbap",
)  # fmt: skip
PROGRAM_EXTENSIONS = frozenset(_PROGRAM_EXTENSIONS)


# --- Purposes: what a module accepts. ----------------------------------------------------------


@dataclass(frozen=True)
class ImageRule:
    """What becomes of an accepted image: `keep` its size, `square` (cropped to the centre) or
    `fit` within `max_px`; saved in its own format (`same`), as JPEG (PNG when transparent:
    `jpeg_or_png`) or as `png`."""

    shape: Literal["keep", "square", "fit"] = "keep"
    max_px: int = 0
    output: Literal["same", "jpeg_or_png", "png"] = "same"


def upload_limit() -> int:
    """The instance's limit for one file (`CERCLE_MAX_UPLOAD_MB`), in bytes."""
    return int(getattr(settings, "MAX_UPLOAD_MB", 10)) * 1024 * 1024


@dataclass(frozen=True)
class Purpose:
    """Why a file is sent, and so what is accepted. Declared once, next to the module's code:

        POST_ATTACHMENT = Purpose("post attachment", accepts=IMAGES | DOCUMENTS,
                                  described=gettext_lazy("images, PDF, office documents and text"))

    `accepts`: the kinds taken as what they are. `any_other_file`: anything else that is not a
    program is taken too, served as a download of type application/octet-stream. `max_bytes`: a
    function, read at each check (settings can change). `refused_extensions`: names never accepted.
    """

    name: str
    accepts: frozenset[Kind]
    described: StrOrPromise
    max_bytes: Callable[[], int] = upload_limit
    image: ImageRule = field(default_factory=ImageRule)
    any_other_file: bool = False
    refused_extensions: frozenset[str] = PROGRAM_EXTENSIONS

    @property
    def images_only(self) -> bool:
        return self.accepts <= IMAGES and not self.any_other_file


# --- Names. ------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.\- ()+,'&@#=\[\]]")


def clean_name(name: str, *, max_length: int = NAME_LENGTH) -> str:
    """A name safe to show and to offer as a download's name: the last part of a path, without NUL,
    control or invisible format characters (such as a right-to-left override hiding `.exe`),
    unsafe characters replaced by `_`, no leading dot, at most `max_length` characters with its
    extension kept; "file" when nothing is left."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    base = PurePosixPath(name.replace("\\", "/")).name.strip()
    base = _UNSAFE.sub("_", base)
    base = re.sub(r"\s+", " ", base).strip(" .") or "file"
    if len(base) > max_length:
        stem, dot, ext = base.rpartition(".")
        if dot and stem and len(ext) < 10:
            base = stem[: max_length - len(ext) - 1].rstrip(" .") + dot + ext
        else:
            base = base[:max_length]
    return base


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _claimed_kind(name: str) -> Kind | None:
    extension = _extension(name)
    if not extension:
        return None
    for kind in KNOWN:
        if extension in kind.extensions:
            return kind
    if extension in PROGRAM_EXTENSIONS:
        return PROGRAM
    return None


# --- Looking at the content. -------------------------------------------------------------------

# Programs, when the file is not text (a note may well begin with "MZ").
_PROGRAM_SIGNATURES = (
    b"MZ",  # Windows and DOS programs, DLLs
    b"\x7fELF",  # Linux programs and libraries
    b"\xfe\xed\xfa\xce",  # Mach-O (macOS) …
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # … universal binaries, and Java classes
    b"\x4c\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcuts (.lnk)
    b"MSCF",  # cabinets
)
# What browsers take for HTML or XML when they sniff (WHATWG MIME sniffing), and SVG.
_MARKUP_TAGS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
    b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--", b"<?xml",
    b"<svg", b"<object", b"<embed", b"<meta", b"<link", b"<img", b"<form", b"<base",
)  # fmt: skip
_OOXML = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_ODF = {ODT.content_type: ODT, ODS.content_type: ODS, ODP.content_type: ODP}


def _is_markup(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    for tag in _MARKUP_TAGS:
        if text.startswith(tag):
            rest = text[len(tag) : len(tag) + 1]
            if tag in (b"<!--", b"<?xml") or rest in (b"", b" ", b">", b"\t", b"\n", b"\r", b"/"):
                return True
    return False


def _zip_kind(upload: IO[bytes]) -> Kind:
    """An office document by what its archive holds (read from its directory, not unpacked)."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 200:
                    declared = archive.read(info).decode("ascii", "replace").strip()
                    if declared in _ODF:
                        return _ODF[declared]
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return OTHER
    finally:
        upload.seek(0)
    return ZIP


def _is_text(upload: IO[bytes]) -> bool:
    """UTF-8 without NUL, read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        while chunk := upload.read(CHUNK_BYTES):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _image_signature(head: bytes) -> Kind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00", b"8BPS")):
        return OTHER_IMAGE
    return None


def sniff(upload: IO[bytes]) -> Kind:
    """The kind of a file, from its content only. Images are only *claimed* here (by signature);
    `check` decodes them."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    image = _image_signature(head)
    if image is not None:
        return image
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    if head.startswith(b"#!"):  # a script
        return PROGRAM
    if head.startswith(_PROGRAM_SIGNATURES) and not _head_is_text(head):
        return PROGRAM
    if _is_markup(head):
        return MARKUP
    return TEXT if _is_text(upload) else OTHER


def _head_is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a cut last character is fine
    except UnicodeDecodeError:
        return False
    return True


# --- Checking. ---------------------------------------------------------------------------------


@dataclass
class CheckedFile:
    """A file that passed its purpose's checks: `content` is what to store (a re-encoded image,
    or the upload itself, rewound), `name` the cleaned name to show and to download it as."""

    name: str
    content: File[bytes]
    content_type: str
    size: int
    kind: Kind
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.kind.image

    def storage_name(self) -> str:
        """A random name for the storage, with the content's own extension: nothing an
        attacker chose, nothing a web server would serve as a page."""
        return f"{uuid.uuid4().hex}{self.kind.extensions[0]}"


def _refused(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message % params if params else message, code=code)


def _size_of(upload: IO[bytes]) -> int:
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def check(upload: IO[bytes], name: str, purpose: Purpose) -> CheckedFile:
    """The file if `purpose` accepts it, made safe to keep and serve; otherwise a ValidationError
    (one message naming the file, and a `code`: `empty`, `too_large`, `not_allowed`, `mismatch`,
    `program`, `invalid_image`). Nothing is written. The caller puts the message at its own
    field."""
    shown = clean_name(name)
    size = _size_of(upload)
    limit = purpose.max_bytes()
    if size > limit:
        raise _refused(
            _("%(name)s is too large (at most %(max)s MB)."),
            "too_large",
            name=shown,
            max=f"{limit / (1024 * 1024):g}",
        )
    if size == 0:
        if purpose.images_only:
            raise _refused(_("Upload a valid image (PNG, JPEG, GIF or WebP)."), "invalid_image")
        raise _refused(_("%(name)s is empty."), "empty", name=shown)
    kind = sniff(upload)
    claimed = _claimed_kind(shown)
    extension = _extension(shown)
    if kind is PROGRAM or extension in purpose.refused_extensions or claimed is PROGRAM:
        raise _refused(_("Programs and scripts cannot be sent: %(name)s."), "program", name=shown)
    if kind in purpose.accepts and kind.image:
        return _image(upload, shown, kind, purpose)
    consistent = claimed is None or claimed is kind
    if kind in purpose.accepts and consistent:
        return _as_is(upload, shown, kind, size)
    if purpose.any_other_file:
        # Not what it says it is, or not a kind this purpose takes as such: a plain download.
        upload.seek(0)
        return CheckedFile(
            name=shown,
            content=File(upload, name=shown),
            content_type=OTHER.content_type,
            size=size,
            kind=OTHER,
        )
    if purpose.images_only:
        raise _refused(_("Upload a valid image (PNG, JPEG, GIF or WebP)."), "invalid_image")
    if claimed is not None and claimed.image and claimed in purpose.accepts:
        raise _refused(_("%(name)s is not an image we can read."), "invalid_image", name=shown)
    if claimed is not None and claimed in purpose.accepts:
        raise _refused(
            _("The content of %(name)s does not match its name."), "mismatch", name=shown
        )
    raise _refused(
        _("%(name)s cannot be accepted here: %(accepted)s only."),
        "not_allowed",
        name=shown,
        accepted=str(purpose.described),
    )


def _as_is(upload: IO[bytes], name: str, kind: Kind, size: int) -> CheckedFile:
    content_type = kind.content_type
    extension = _extension(name)
    if kind is TEXT:
        content_type = TEXT_TYPES.get(extension, TEXT.content_type)
    if extension not in kind.extensions:
        name = clean_name(f"{name}{kind.extensions[0]}")
    upload.seek(0)
    return CheckedFile(
        name=name, content=File(upload, name=name), content_type=content_type, size=size, kind=kind
    )


# --- Images. -----------------------------------------------------------------------------------

# Kept from an image's info when it is saved again: what shapes the pixels, nothing about where,
# when or with what the picture was taken. The colour profile keeps the colours the same.
_KEPT_INFO = ("transparency", "icc_profile")


def _pixels_only(image: Image.Image) -> Image.Image:
    """A copy that holds pixels (and the palette) only: no EXIF, GPS, XMP, comments, text."""
    clean = image.copy()
    clean.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
    return clean


def _image(upload: IO[bytes], name: str, kind: Kind, purpose: Purpose) -> CheckedFile:
    unreadable = ValidationError(
        (
            _("Upload a valid image (PNG, JPEG, GIF or WebP).")
            if purpose.images_only
            else _("%(name)s is not an image we can read.") % {"name": name}
        ),
        code="invalid_image",
    )
    too_large = ValidationError(
        _("%(name)s has too many pixels (at most %(max)s million).")
        % {"name": name, "max": MAX_PIXELS // 1_000_000},
        code="too_large",
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                if _PIL_KINDS.get(probe.format or "") is not kind:
                    raise unreadable
                width, height = probe.size
                if width < 1 or height < 1:
                    raise unreadable
                if width * height > MAX_PIXELS:
                    raise too_large
                frames = getattr(probe, "n_frames", 1) if kind in (GIF, WEBP) else 1
                if frames > MAX_FRAMES or frames * width * height > MAX_PIXELS * 4:
                    raise too_large
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as opened:
                data, out_kind, size = _reencode(opened, kind, purpose.image, frames)
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise too_large from error
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombWarning,
    ) as error:
        raise unreadable from error
    finally:
        upload.seek(0)
    if _extension(name) not in out_kind.extensions:
        stem = PurePosixPath(name).stem if _claimed_kind(name) in IMAGES else name
        name = clean_name(f"{stem}{out_kind.extensions[0]}")
    return CheckedFile(
        name=name,
        content=ContentFile(data, name=name),
        content_type=out_kind.content_type,
        size=len(data),
        kind=out_kind,
        width=size[0],
        height=size[1],
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _shape(image: Image.Image, rule: ImageRule) -> Image.Image:
    if rule.shape == "square":
        side = min(rule.max_px or max(image.size), *image.size)
        return ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
    if rule.shape == "fit" and rule.max_px:
        image = image.copy()
        image.thumbnail((rule.max_px, rule.max_px), Image.Resampling.LANCZOS)
    return image


def _reencode(
    opened: Image.Image, kind: Kind, rule: ImageRule, frames: int
) -> tuple[bytes, Kind, tuple[int, int]]:
    if frames > 1 and rule.output == "same" and rule.shape == "keep":
        return _reencode_animation(opened, kind)
    opened.load()
    image = ImageOps.exif_transpose(opened)  # the picture as it is seen, before EXIF goes
    if rule.output == "same":
        out_kind = kind
    elif rule.output == "png" or _has_alpha(image):
        out_kind = PNG
    else:
        out_kind = JPEG
    if rule.output != "same" or rule.shape != "keep":
        image = image.convert("RGBA" if out_kind is PNG else "RGB")
    elif out_kind is JPEG and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image = _pixels_only(_shape(image, rule))
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if "icc_profile" in image.info:
        options["icc_profile"] = image.info["icc_profile"]
    if out_kind is JPEG:
        options.update(quality=85 if rule.output != "same" else 90, optimize=True)
    elif out_kind is PNG:
        options.update(optimize=rule.output != "same")
    elif out_kind is WEBP:
        options.update(quality=90)
    image.save(buffer, format=out_kind.code.upper(), **options)
    return buffer.getvalue(), out_kind, image.size


def _reencode_animation(opened: Image.Image, kind: Kind) -> tuple[bytes, Kind, tuple[int, int]]:
    """Each frame's pixels and duration, nothing else (GIF and WebP comments and XMP dropped)."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(opened):
        durations.append(int(frame.info.get("duration", 100) or 100))
        clean = Image.new("RGBA", frame.size)
        clean.paste(frame.convert("RGBA"))
        frames.append(clean)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format=kind.code.upper(),
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=int(opened.info.get("loop", 0) or 0),
        **({"disposal": 2} if kind is GIF else {}),
    )
    return buffer.getvalue(), kind, frames[0].size


# --- Serving. ----------------------------------------------------------------------------------

INLINE_TYPES = frozenset(kind.content_type for kind in IMAGES)
SERVED_TYPES = (
    INLINE_TYPES
    | {kind.content_type for kind in DOCUMENTS | {ZIP}}
    | set(TEXT_TYPES.values())
    | {"text/plain"}
)
SANDBOX = "default-src 'none'; sandbox"
# A PDF opened in the browser (`serve(open_pdf=True)`): browsers' PDF viewers do not run under
# `sandbox` (Chromium shows "blocked"), so a PDF gets a policy that still lets nothing load
# from elsewhere; its type comes from its content (`%PDF-`) and `nosniff` keeps it a PDF, which
# the viewer runs apart from the site's pages.
PDF_VIEWER_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def content_disposition(disposition: Literal["inline", "attachment"], name: str) -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266 and 8187): the ASCII
    fallback for old clients, the exact name for the others."""
    name = clean_name(name)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r'["\\%;]', "_", fallback).strip() or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def serve(file: FieldFile, *, name: str, content_type: str, open_pdf: bool = False) -> FileResponse:
    """A stored upload as a response that no browser runs: only the images of `INLINE_TYPES` are
    shown inline, everything else is a download; a type outside the known kinds (a row older than
    this policy) is served as application/octet-stream. With `open_pdf`, a PDF opens in the
    browser's viewer (on a phone too) instead of downloading."""
    served = content_type.split(";")[0].strip().lower()
    if served not in SERVED_TYPES:
        served = OTHER.content_type
    pdf_inline = open_pdf and served == PDF.content_type
    inline = served in INLINE_TYPES or pdf_inline
    response = FileResponse(
        file.open("rb"),
        content_type=f"{served}; charset=utf-8" if served.startswith("text/") else served,
    )
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_VIEWER_POLICY if pdf_inline else SANDBOX
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    response["Vary"] = "Cookie, Authorization"
    return response


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Files of the local storage by path (`/media/…`, in development; a reverse proxy serves
    them in production and should add the same headers): nosniff and the sandbox, and a
    download for anything but an inline image."""
    response = static_serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    served = (response.get("Content-Type") or "").split(";")[0].strip().lower()
    if response.status_code == 200 and served not in INLINE_TYPES:
        response["Content-Disposition"] = content_disposition(
            "attachment", PurePosixPath(path).name
        )
    return response


# --- Downloads for the session and for API tokens. ---------------------------------------------

TokenAuthenticator = Callable[[str], "AbstractBaseUser | None"]
_token_authenticators: list[TokenAuthenticator] = []


def register_token_authenticator(authenticate: TokenAuthenticator) -> None:
    """Called by the app that owns API tokens (accounts), from its `ready()`: `authenticate` takes
    a Bearer token's secret and returns its active owner, or None."""
    if authenticate not in _token_authenticators:
        _token_authenticators.append(authenticate)


def _token_user(secret: str) -> AbstractBaseUser | None:
    for authenticate in _token_authenticators:
        user = authenticate(secret)
        if user is not None:
            return user
    return None


def download_view(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """For the views that serve a stored file: GET and HEAD only, for a person signed in by the
    browser's session or by `Authorization: Bearer <token>`.

    A Bearer token, when given, decides alone (an unknown or expired one is a 401, whatever
    cookie comes with it). Without one, the session decides, as `login_required` does (a browser
    is sent to the login page). No write happens here, and a token is no ambient credential a
    browser would add by itself: downloads need no CSRF token."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            user = _token_user(secret.strip()) if secret.strip() else None
            if user is None:
                return JsonResponse(
                    {"detail": _("This token is not valid (unknown, revoked or expired).")},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="cercle"'},
                )
            request.user = user  # type: ignore[assignment]  # the app's own user model
        elif not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return require_safe(wrapper)


# --- Limits while a request's files arrive. ---------------------------------------------------

# What a multipart body holds besides its files (boundaries, part headers, a few fields): a
# `Content-Length` past the room left by more than this cannot fit.
MULTIPART_SLACK = 64 * 1024


@dataclass(frozen=True)
class UploadCap:
    """How much a request may bring: `file_bytes` for each file, `total_bytes` for all its files
    together (None: no limit), and what to say when either is passed (`code`: `too_large` for a
    file, `quota` for the total)."""

    file_bytes: int | None = None
    total_bytes: int | None = None
    file_message: str = ""
    total_message: str = ""


@dataclass(frozen=True)
class UploadRefusal:
    message: str
    code: Literal["too_large", "quota"]


_REFUSAL = "cercle_upload_refusal"
# Where a refusal is kept on the request (`refusal`), for other upload handlers to set too.
REFUSAL_ATTRIBUTE = _REFUSAL


class CappedUploadHandler(FileUploadHandler):
    """The first of a request's upload handlers (`cap_upload`): refuses the files of a multipart
    body past a cap, while they arrive. A `Content-Length` already beyond the room refuses them
    before a byte of a file is kept; otherwise the bytes are counted chunk by chunk, and the
    first one past the cap stops the parsing (`StopUpload`): Django closes, and so deletes, the
    temporary file being written. The view reads `refusal(request)` and answers with it. The cap
    is asked for once, when the body starts (`cap()`: the viewer and the target are known then)."""

    # No smaller than the other handlers' chunks (Django reads by the smallest): counting is
    # the same for any size, and a large upload's handler (the documents') reads 1 MB blocks.
    chunk_size = 1024 * 1024

    def __init__(self, request: HttpRequest, cap: Callable[[], UploadCap | None]) -> None:
        super().__init__(request)
        self.cap_of = cap
        self.cap: UploadCap | None = None
        self.total = 0
        self.in_file = 0
        self.refused: UploadRefusal | None = None

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.cap = self.cap_of()
        total = self.cap.total_bytes if self.cap is not None else None
        if self.cap is not None and total is not None and content_length > total + MULTIPART_SLACK:
            # Refused at the first file (the fields before it, the CSRF token, are still read).
            self.refused = UploadRefusal(self.cap.total_message, "quota")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.in_file = 0
        if self.refused is not None:
            self._stop(self.refused)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.in_file += len(raw_data)
        self.total += len(raw_data)
        cap = self.cap
        if cap is not None:
            if cap.file_bytes is not None and self.in_file > cap.file_bytes:
                self._stop(UploadRefusal(cap.file_message, "too_large"))
            if cap.total_bytes is not None and self.total > cap.total_bytes:
                self._stop(UploadRefusal(cap.total_message, "quota"))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _stop(self, refused: UploadRefusal) -> None:
        setattr(self.request, _REFUSAL, refused)
        raise StopUpload(connection_reset=True)


def cap_upload(request: HttpRequest, cap: Callable[[], UploadCap | None]) -> None:
    """Puts a `CappedUploadHandler` first among the request's upload handlers; call it before
    anything reads `request.POST` or `request.FILES` (a view marked `csrf_exempt` that checks
    CSRF itself after, or an API operation's decorator)."""
    request.upload_handlers.insert(0, CappedUploadHandler(request, cap))


def refusal(request: HttpRequest) -> UploadRefusal | None:
    """Why `CappedUploadHandler` stopped this request's files, if it did."""
    found: UploadRefusal | None = getattr(request, _REFUSAL, None)
    return found

"""The installable app's icons, in the organisation's branding: drawn from its logo when it has
one (fitted on a white square; for the "maskable" icon, within the safe circle on the primary
colour), else its initials in white on its primary colour. PNG, made with Pillow on demand and
cached until the organisation's settings change."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from cercle.accounts.models import Organisation


@dataclass(frozen=True)
class IconShape:
    size: int
    maskable: bool = False


# The icons the manifest lists (by name in the URL), and the one iOS reads (apple-touch-icon).
ICONS = {
    "192": IconShape(192),
    "512": IconShape(512),
    "maskable-512": IconShape(512, maskable=True),
    "apple-touch": IconShape(180, maskable=True),  # iOS rounds the corners itself: full bleed
}


def initials(name: str) -> str:
    """Up to two letters of the organisation's name ("Mairie de Lyon" → "ML")."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    if not words:
        return "C"
    if len(words) == 1:
        return words[0][:2].upper()
    significant = [w for w in words if w[:1].isupper()] or words
    letters = (significant[0][:1] + significant[-1][:1]) if len(significant) > 1 else words[0][:2]
    return letters.upper()


def _rgb(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except (ValueError, IndexError):
        return (31, 95, 174)


def _logo(organisation: Organisation) -> Image.Image | None:
    if not organisation.logo:
        return None
    try:
        with organisation.logo.open("rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
            image.load()
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return ImageOps.exif_transpose(image).convert("RGBA")


def _text_colour(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """White on dark colours, near-black on light ones (WCAG relative luminance)."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in background)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (255, 255, 255) if luminance < 0.35 else (17, 17, 17)


def draw_icon(organisation: Organisation, shape: IconShape) -> bytes:
    size = shape.size
    brand = _rgb(organisation.primary_colour)
    logo = _logo(organisation)
    if logo is not None:
        background = brand if shape.maskable else (255, 255, 255)
        canvas = Image.new("RGBA", (size, size), (*background, 255))
        # The maskable icon's content stays in the central circle (80 % of the side).
        box = int(size * (0.56 if shape.maskable else 0.86))
        fitted = ImageOps.contain(logo, (box, box), Image.Resampling.LANCZOS)
        if shape.maskable:
            plate = Image.new("RGBA", (box, box), (255, 255, 255, 0))
            ImageDraw.Draw(plate).ellipse(
                (-box // 6, -box // 6, box + box // 6, box + box // 6), fill=(255, 255, 255, 255)
            )
            canvas.alpha_composite(plate, ((size - box) // 2, (size - box) // 2))
        canvas.alpha_composite(fitted, ((size - fitted.width) // 2, (size - fitted.height) // 2))
    else:
        canvas = Image.new("RGBA", (size, size), (*brand, 255))
        text = initials(organisation.name)
        font = ImageFont.load_default(size=int(size * (0.30 if shape.maskable else 0.40)))
        draw = ImageDraw.Draw(canvas)
        draw.text((size / 2, size / 2), text, fill=_text_colour(brand), font=font, anchor="mm")
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def icon_version(organisation: Organisation) -> str:
    """Changes whenever what the icons are drawn from changes (for URLs and caches)."""
    source = "|".join(
        [organisation.name, organisation.primary_colour, str(organisation.logo or "")]
    )
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def icon_png(organisation: Organisation, name: str) -> bytes:
    """The PNG of one of `ICONS` (KeyError for another name), from the cache when drawn before."""
    shape = ICONS[name]
    key = f"cercle:pwa-icon:{name}:{icon_version(organisation)}"
    png: bytes | None = cache.get(key)
    if png is None:
        png = draw_icon(organisation, shape)
        cache.set(key, png, 24 * 3600)
    return png

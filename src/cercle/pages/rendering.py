"""A page's text as the reader sees it — Markdown rendered and sanitised, `[[Title]]` links
resolved, headings anchored, a table of contents — kept in the cache by what the rendering reads,
never by who reads (`render_key`). Used by the pages' views and the API."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.urls import reverse

from cercle.pages import queries
from cercle.pages.models import Page
from cercle.pages.text import RenderedPage, render_page

# Bump when what `render_page` or the sanitiser makes of a text changes: the rendered pages
# cached by an older version are then never read again.
RENDER_VERSION = 1
RENDER_CACHE_SECONDS = 7 * 24 * 3600


def render_key(page: Page, tree: queries.PageTree) -> str | None:
    """The cache key of a page's rendered text: what the rendering reads, and only that — the
    revision and its text (hashed: a text written outside the actions is never served stale),
    the tree's version (the `[[Title]]` links: titles and slugs, old titles after a rename, all
    renewed by the actions that change them), the space's address (the links' paths) and the
    renderer's version. Never the reader: the rendering is the same for everyone who may read
    the page (`[[Title]]` links stay in the page's space, whose pages they all read; links to
    `/pages/<number>/` are the author's text, unchanged). None: the tree has no version yet
    (pages written in bulk), rendered each time."""
    if tree.version is None:
        return None
    digest = hashlib.blake2b(page.body.encode(), digest_size=16).hexdigest()
    return (
        f"pages:html:{RENDER_VERSION}:{page.pk}:{page.revision}:{digest}:"
        f"{tree.version}:{page.space_id}:{page.space.slug}"
    )


def rendered(page: Page, tree: queries.PageTree) -> RenderedPage:
    """The page's text as safe HTML with its table of contents, from the cache when the same
    revision was rendered under the same tree (`render_key`)."""
    key = render_key(page, tree)
    if key is not None:
        found = cache.get(key)
        if isinstance(found, RenderedPage):
            return found
    titles = queries.link_targets(page, tree)
    space_slug = page.space.slug

    def url_for(title_key: str) -> str | None:
        slug = titles.get(title_key)
        return reverse("page_detail", args=[space_slug, slug]) if slug else None

    result = render_page(page.body, url_for)
    if key is not None:
        cache.set(key, result, RENDER_CACHE_SECONDS)
    return result

"""Steps the browser tests share: signing in, keeping a page's socket quiet, waiting for the live
feed's subscription, measuring tap targets."""

from __future__ import annotations

import time
from typing import Any


def log_in(page: Any, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form[action*='login'] [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def quiet_websocket(page: Any) -> None:
    """The live server speaks HTTP only: the tab's /ws/ reconnection attempts would otherwise hit
    it concurrently with the page's requests (SQLite's shared in-memory test database then reports
    "table is locked")."""
    page.route_web_socket("**/ws/**", lambda ws: ws.close())


def subscribed(page: Any, frames: list[str], timeout: float = 10) -> None:
    """Wait until the page's socket confirmed its feed subscription."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any('"feed.subscribed"' in f for f in frames):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the feed was not subscribed")


# Every visible control under `minimum` × `minimum` px (WCAG 2.5.5, target size). Exempt, as WCAG
# 2.5.5's "inline" exception says: a link inside a line of text (an inline link whose nearest
# block holds other words than its own) — anywhere, or only inside `inlineWithin` (a selector:
# the paragraphs people wrote, so that a name or a date in a post's header stays a target of its
# own). A checkbox or radio button counts with its label, which toggles it too; what is not
# drawn (in a closed menu, visually hidden, off-screen until focused) is skipped.
_SMALL_TARGETS = """({minimum, inlineWithin, withTabindex}) => {
  let selector = "a[href], button, input:not([type=hidden]), select, textarea, summary,"
    + " [role=button]";
  if (withTabindex) selector += ", [tabindex]:not([tabindex='-1'])";
  const small = [];
  for (const element of document.querySelectorAll(selector)) {
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || element.closest("[hidden], [aria-hidden=true]")) continue;
    const details = element.closest("details:not([open])");
    if (details && element.closest("summary") !== details.querySelector("summary")) continue;
    const rects = [element.getBoundingClientRect()];
    for (const label of element.labels || []) rects.push(label.getBoundingClientRect());
    const width = Math.max(...rects.map((r) => r.width));
    const height = Math.max(...rects.map((r) => r.height));
    const box = rects[0];
    if (box.width < 2 || box.height < 2 || box.right <= 0 || box.left >= innerWidth) continue;
    if (element.tagName === "A" && style.display === "inline"
        && (!inlineWithin || element.closest(inlineWithin))) {
      let block = element.parentElement;
      while (block && getComputedStyle(block).display.startsWith("inline")) {
        block = block.parentElement;
      }
      const own = element.textContent.trim().length;
      if (block && block.textContent.replace(/\\s+/g, " ").trim().length > own + 1) continue;
    }
    if (width < minimum - 0.5 || height < minimum - 0.5) {
      small.push(`${Math.round(width)}×${Math.round(height)} px: `
        + element.outerHTML.replace(/\\s+/g, " ").slice(0, 160));
    }
  }
  return small;
}"""

# What people wrote: a post, a comment, a message, a biography, a search excerpt.
USER_TEXT = ".post-body, .comment-body, .msg-body, .prose, .search-result-excerpt"


def small_targets(
    page: Any,
    minimum: int = 44,
    *,
    inline_exempt_within: str | None = None,
    with_tabindex: bool = False,
) -> list[str]:
    """The page's controls smaller than `minimum` px (see `_SMALL_TARGETS`), each as its size and
    HTML; `inline_exempt_within` limits the inline-link exemption to that selector (None:
    anywhere); `with_tabindex` counts elements made focusable with `tabindex` too."""
    found: list[str] = page.evaluate(
        _SMALL_TARGETS,
        {"minimum": minimum, "inlineWithin": inline_exempt_within, "withTabindex": with_tabindex},
    )
    return found


class SocketGate:
    """The page's sockets through Playwright (`route_web_socket`): let through to the server,
    or, once blocked, cut. Chromium's offline mode does not stop WebSockets, and a socket closed
    by the page waits for the server's closing handshake (more than 20 s seen on two busy
    cores): `block` closes the page's side of the open ones from the proxy, as a cut network
    would, and refuses new ones."""

    def __init__(self) -> None:
        self.blocked = False
        self.open: list[Any] = []

    def __call__(self, ws: Any) -> None:
        if self.blocked:
            ws.close()
        else:
            self.open.append((ws, ws.connect_to_server()))

    def block(self) -> None:
        self.blocked = True
        for page_side, server_side in self.open:
            page_side.close()
            server_side.close()
        self.open.clear()

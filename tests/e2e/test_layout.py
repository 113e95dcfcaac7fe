"""Browser: the phone and desktop layout (issue 17, "Phone and desktop layout"), measured in
Chromium.

- a phone (360 × 740) shows the home feed's first post on its first screen: the composer is one
  "Share something…" line until tapped;
- every control of the main pages is a 44 × 44 px tap target on a phone;
- the header's search placeholder fits at 360 px;
- on a desktop (1366 × 768) messaging fills the window, the search fields are not cut, and the
  message search's "From" suggests people;
- from 1024 px, a left navigation lists my spaces (favourites first, new posts marked) and my
  conversations (unread counts); on a phone it is not there;
- signed-in pages have no footer language selector (the settings and the sign-in page do);
- every button style has enough contrast (axe-core's color-contrast).

One server on one seeded SQLite file (the accessibility test's seed) serves the module, except
for the first-screen test, which needs the demo organisation alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import USER_TEXT, log_in, small_targets

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}


@dataclass
class Site:
    url: str
    facts: dict[str, Any]
    server_site: Any  # tests.helpers.server.ServerSite: runs Python against the site's database

    def act(self, code: str) -> Any:
        """Run `code` (the seed's people by their usernames in `facts`) on the site's data."""
        return self.server_site.python(f"facts = {self.facts!r}\n{code}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from tests.helpers.server import ServerSite

    server_site = ServerSite(tmp_path_factory.mktemp("layout"))
    server_site.migrate()
    facts = server_site.python("from tests.e2e.accessibility_seed import seed\nresult = seed()")
    server = server_site.start()
    yield Site(url=server.url, facts=facts, server_site=server_site)
    server_site.stop()


@pytest.fixture
def open_page(browser: Any, site: Site) -> Iterator[Any]:
    """`open_page(person, width=..., height=..., locale=...)`: a signed-in page (person None:
    signed out) in a context of its own."""
    url, facts = site.url, site.facts
    contexts: list[Any] = []

    def make(person: str | None, *, locale: str = "fr-FR", **viewport: int) -> Any:
        context = browser.new_context(base_url=url, locale=locale, viewport=viewport or DESKTOP)
        context.set_default_timeout(10_000)
        context.route_web_socket("**/ws/**", lambda ws: ws.close())
        contexts.append(context)
        page = context.new_page()
        if person is not None:
            log_in(page, facts[person], facts["password"])
        return page

    yield make
    for context in contexts:
        context.close()


# --- 1. The home feed on a phone's first screen -------------------------------------------------


def test_a_phone_shows_the_first_post_on_the_first_screen(
    new_page: Any, transactional_db: Any
) -> None:
    from cercle.accounts.actions.seed import seed_demo_content, seed_demo_organisation
    from cercle.accounts.models import User
    from tests.factories import PASSWORD

    # The demo organisation as `make run` shows it: its announcement, its spaces and posts.
    seed_demo_organisation()
    seed_demo_content()
    from cercle.announcements.queries import active_announcements

    # Someone who has not confirmed the demo's announcement yet: its banner is on their home.
    person = next(
        user
        for user in User.objects.filter(is_active=True, role="member").order_by("pk")
        if list(active_announcements(user))
    )
    person.set_password(PASSWORD)
    person.save()
    phone = new_page(locale="fr-FR", **PHONE)
    log_in(phone, person.username, PASSWORD)
    phone.goto("/")
    assert phone.locator(".announcement, [data-announcement]").count() >= 1  # the demo's own
    first = phone.locator(".feed article.post").first
    top = first.evaluate("(post) => post.getBoundingClientRect().top")
    above = phone.evaluate(
        "() => [...document.querySelectorAll('main > *')].map((e) => "
        "`${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().top)}+"
        "${Math.round(e.getBoundingClientRect().height)}`).join(' | ')"
    )
    assert top < PHONE["height"] - 40, f"the first post starts at {top} px: {above}"
    # The composer is one line until asked for; a tap opens it and its field takes the focus.
    field = phone.get_by_label("Partagez quelque chose sur votre mur")
    assert not field.is_visible()
    opener = phone.get_by_text("Partagez quelque chose…")
    assert opener.bounding_box()["height"] >= 44
    opener.click()
    assert field.is_visible()
    phone.wait_for_function("() => document.activeElement.id === 'composer-body'")
    # By keyboard: the line is a disclosure that Enter opens.
    phone.goto("/")
    phone.locator(".composer-fold > summary").focus()
    phone.keyboard.press("Enter")
    field.wait_for(state="visible")
    field.fill("Bonjour depuis mon téléphone")
    phone.get_by_role("button", name="Publier").click()
    phone.get_by_text("Bonjour depuis mon téléphone").first.wait_for()


# --- 2. Tap targets -----------------------------------------------------------------------------


def _main_pages(facts: dict[str, Any]) -> list[str]:
    from django.urls import reverse

    return [
        reverse("home"),
        reverse("space", args=[facts["space"]]),
        reverse("directory"),
        reverse("profile", args=[facts["owner"]]),
        reverse("chat_inbox"),
        reverse("chat_conversation", args=[facts["conversation"]]),
        reverse("notifications"),
        reverse("settings"),
    ]


def test_every_control_of_the_main_pages_is_a_44_px_target_on_a_phone(
    open_page: Any, site: Site
) -> None:
    facts = site.facts
    phone = open_page("member", **PHONE)
    found = []
    for path in _main_pages(facts):
        phone.goto(path)
        phone.wait_for_function("() => !document.querySelector('.htmx-request')")
        # A link inside what people wrote is exempt; a name or a date in a header is not.
        small = small_targets(phone, 44, inline_exempt_within=USER_TEXT)
        found += [f"{path}: {line}" for line in small]
    assert not found, "tap targets under 44 × 44 px:\n" + "\n".join(found)


# --- 3. The header's search -------------------------------------------------------------------

PLACEHOLDER_FITS = """(selector) => {
  const input = document.querySelector(selector);
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const text = context.measureText(input.placeholder).width;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {placeholder: input.placeholder, text, room};
}"""


def test_the_header_search_placeholder_fits_a_phone(open_page: Any) -> None:
    phone = open_page("member", **PHONE)
    for path in ("/", "/people/"):
        phone.goto(path)
        fit = phone.evaluate(PLACEHOLDER_FITS, "#global-search")
        assert fit["placeholder"] == "Rechercher…", fit
        assert fit["text"] <= fit["room"], fit


# --- 4. Messaging on a desktop ----------------------------------------------------------------

HEIGHTS = """() => {
  const box = (selector) => {
    const element = document.querySelector(selector);
    if (!element) return null;
    const r = element.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, height: r.height};
  };
  const scroll = document.querySelector("#chat-scroll");
  return {window: innerHeight, page: document.documentElement.scrollHeight,
          list: box(".chat-list"), pane: box(".chat-pane"), footer: box(".footer"),
          footerShown: getComputedStyle(document.querySelector(".footer")).display !== "none",
          scrolls: scroll ? scroll.scrollHeight > scroll.clientHeight : null,
          scrollOverflow: scroll ? getComputedStyle(scroll).overflowY : null};
}"""


def test_messaging_fills_the_window_on_a_desktop(open_page: Any, site: Site) -> None:
    facts = site.facts
    desktop = open_page("member", **DESKTOP)
    for path in ("/messages/", f"/messages/{facts['conversation']}/", "/messages/search/?q=audit"):
        desktop.goto(path)
        h = desktop.evaluate(HEIGHTS)
        # The page itself does not scroll: the list and the pane end at the window's bottom edge
        # (less the page's padding), and no footer sits under them.
        assert h["page"] <= h["window"], (path, h)
        for part in ("list", "pane"):
            assert h[part]["bottom"] >= h["window"] - 24, (path, part, h)
            assert h[part]["bottom"] <= h["window"], (path, part, h)
        assert not h["footerShown"], (path, h)
    # A long history scrolls inside the conversation, not the page.
    site.act(
        "from cercle.accounts.models import User\n"
        "from cercle.chat.actions import send_message\n"
        "owner = User.objects.get(username=facts['owner'])\n"
        "for n in range(30):\n"
        "    send_message(actor=owner, conversation_id=facts['conversation'],\n"
        "                 body=f'Message numéro {n}', client_id=f'layout-{n}')\n"
        "result = None"
    )
    desktop.goto(f"/messages/{facts['conversation']}/")
    desktop.locator(".msg-body", has_text="Message numéro 29").wait_for()
    h = desktop.evaluate(HEIGHTS)
    assert h["page"] <= h["window"] and h["scrolls"] and h["scrollOverflow"] == "auto", h


def test_the_message_search_fields_fit_and_from_suggests_people(open_page: Any, site: Site) -> None:
    facts = site.facts
    desktop = open_page("member", **DESKTOP)
    desktop.goto("/messages/")
    fit = desktop.evaluate(PLACEHOLDER_FITS, "#chat-search-q")
    assert fit["text"] <= fit["room"], fit
    desktop.goto("/messages/search/")
    cut = desktop.evaluate(
        """() => [...document.querySelectorAll(".chat-search-form input, .chat-search-form select")]
          .filter((e) => e.tagName === "SELECT"
            ? e.scrollWidth > e.clientWidth + 1
              || (() => { const c = document.createElement("canvas").getContext("2d");
                   const s = getComputedStyle(e); c.font = `${s.fontSize} ${s.fontFamily}`;
                   return c.measureText(e.selectedOptions[0].text).width
                     > e.clientWidth - parseFloat(s.paddingLeft) - 24; })()
            : e.getBoundingClientRect().width < 160)
          .map((e) => e.outerHTML.slice(0, 120))"""
    )
    assert not cut, cut
    # "From" is a person picker: typing part of a name suggests the people it matches (the
    # people autocomplete), and a name typed whole finds that person's messages.
    person = desktop.get_by_label("De", exact=True)
    person.press_sequentially("Samu", delay=40)
    desktop.wait_for_function(
        """() => [...document.querySelectorAll("#search-people option")]
                 .some((o) => o.value === "samuel.owner")"""
    )
    person.fill("Samuel Nguyen")
    desktop.get_by_role("button", name="Rechercher", exact=True).last.click()
    desktop.wait_for_url("**/messages/search/**")
    results = desktop.locator(".search-result")
    assert results.count() >= 1
    assert set(results.locator(".search-result-author").all_inner_texts()) == {"Samuel Nguyen"}
    assert facts["owner"] == "samuel.owner"


# --- 5. The side navigation ---------------------------------------------------------------------


def test_the_desktop_side_navigation_lists_my_spaces_and_conversations(
    open_page: Any, site: Site
) -> None:
    facts = site.facts
    # The owner posts in the space: new for the member until they open it.
    site.act(
        "from cercle.accounts.models import User\n"
        "from cercle.feed.actions import create_post\n"
        "from cercle.spaces.models import Space\n"
        "owner = User.objects.get(username=facts['owner'])\n"
        "create_post(actor=owner, space=Space.objects.get(slug=facts['space']), body='Nouveau')\n"
        "from cercle.chat.actions import send_message\n"
        "send_message(actor=owner, conversation_id=facts['conversation'], body='Tu es là ?',\n"
        "             client_id='layout-nav')\n"
        "result = None"
    )
    desktop = open_page("member", **DESKTOP)
    desktop.goto("/people/")
    nav = desktop.get_by_role("navigation", name="Mes espaces et conversations")
    assert nav.is_visible()
    spaces = nav.locator("#sidenav-spaces + ul a")
    names = [t.strip() for t in spaces.all_inner_texts()]
    assert any("Atelier accessibilité" in n for n in names), names
    assert not any("Projet terminé" in n for n in names), names  # archived
    space_link = spaces.filter(has_text="Atelier accessibilité")
    assert "sidenav-unread" in (space_link.get_attribute("class") or "")
    # The direct conversation with the owner, with the count of what the member has not read.
    conversations = nav.locator("#sidenav-conversations + ul a")
    direct = conversations.filter(has_text="Samuel Nguyen")
    assert direct.count() == 1, conversations.all_inner_texts()
    unread = site.act(
        "from cercle.accounts.models import User\n"
        "from cercle.chat.queries import unread_count\n"
        "member = User.objects.get(username=facts['member'])\n"
        "result = unread_count(member, facts['conversation'])"
    )
    assert unread >= 1
    assert direct.locator(".badge").inner_text().split()[-1] == str(unread)
    # The page takes the centre: the navigation on the left, the main part to its right.
    left = desktop.evaluate(
        """() => [document.querySelector(".sidenav").getBoundingClientRect().right,
                  document.querySelector("main").getBoundingClientRect().left]"""
    )
    assert left[0] <= left[1], left
    # Opening the space clears its mark; making it a favourite puts it first.
    space_link.click()
    desktop.wait_for_url(f"**/spaces/{facts['space']}/")
    desktop.get_by_role("button", name="Ajouter aux favoris").click()
    desktop.get_by_role("button", name="Retirer des favoris").wait_for()
    first = nav.locator("#sidenav-spaces + ul a").first
    assert "Atelier accessibilité" in first.inner_text()
    assert first.get_attribute("aria-current") == "page"
    assert "sidenav-unread" not in (first.get_attribute("class") or "")
    desktop.get_by_role("button", name="Retirer des favoris").click()
    desktop.get_by_role("button", name="Ajouter aux favoris").wait_for()
    # On a phone the main navigation's tabs lead there: no side navigation.
    phone = open_page("member", **PHONE)
    phone.goto("/")
    assert not phone.locator(".sidenav").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- 6. The language ----------------------------------------------------------------------------


def test_the_language_is_chosen_in_the_settings_and_on_the_sign_in_page(open_page: Any) -> None:
    member = open_page("member")
    for path in ("/", "/people/", "/messages/"):
        member.goto(path)
        assert member.locator("footer select, #language-select").count() == 0, path
    member.goto("/settings/")
    member.get_by_label("Langue").select_option("en")
    member.get_by_role("button", name="Enregistrer").click()
    member.get_by_role("heading", name="Settings").wait_for()
    member.get_by_label("Language").select_option("fr")
    member.get_by_role("button", name="Save").click()
    member.get_by_role("heading", name="Paramètres").wait_for()
    # Signed out, the sign-in page (and the other signed-out pages) offer the choice.
    visitor = open_page(None)
    visitor.goto("/accounts/login/")
    visitor.get_by_label("Langue").select_option("en")
    visitor.wait_for_function("() => document.documentElement.lang === 'en'")
    assert "/accounts/login/" in visitor.url


# --- 7. Button contrast -------------------------------------------------------------------------

# Every button style of the stylesheet, as a page shows it: on a card, on the page's background,
# inside success and error messages, and in the top bar.
BUTTONS = """
<button type="button">Primary</button>
<button type="button" class="secondary">Secondary</button>
<button type="button" class="danger">Danger</button>
<button type="button" class="secondary danger">Secondary danger (the e-mail page's Remove)</button>
<button type="button" class="button-secondary">Secondary (class)</button>
<a class="button" href="#b">Primary link</a>
<a class="button button-secondary" href="#b">Secondary link</a>
<a class="button button-danger" href="#b">Danger link</a>
<a class="button button-secondary button-danger" href="#b">Secondary danger link</a>
<button type="button" class="link-button">Link button</button>
<button type="button" class="reaction">Reaction 👍 2</button>
<button type="button" class="reaction reaction-mine">My reaction 👍 3</button>
<input type="submit" value="Submit input">
<label class="button button-secondary file-button">Attach files</label>
"""

RENDER_BUTTONS = """(html) => {
  const main = document.querySelector("main");
  const places = [["card", "card"], ["page", ""], ["success", "message message-success"],
                  ["error", "message message-error"]];
  for (const [name, classes] of places) {
    const box = document.createElement("div");
    box.className = classes;
    box.id = `buttons-${name}`;
    box.innerHTML = html;
    main.append(box);
  }
  return document.querySelectorAll("main [id^=buttons-] > *").length;
}"""

RUN_CONTRAST = """async () => {
  const result = await axe.run(
    {include: [["main [id^=buttons-]"]]},
    {runOnly: {type: "rule", values: ["color-contrast"]}, resultTypes: ["violations"]});
  return result.violations.flatMap((v) => v.nodes.map((n) => n.html + " — " + n.failureSummary));
}"""


def test_every_button_style_has_enough_contrast(open_page: Any) -> None:
    import axe_playwright_python

    axe = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
    page = open_page("member")
    # Each page's own stylesheets: the base one, the feed's, the account pages', chat's.
    for path in ("/", "/accounts/email/", "/messages/"):
        page.goto(path)
        count = page.evaluate(RENDER_BUTTONS, BUTTONS)
        assert count == 4 * len(BUTTONS.strip().splitlines())
        page.evaluate(axe)
        failures = page.evaluate(RUN_CONTRAST)
        assert not failures, f"{path}:\n" + "\n".join(failures)

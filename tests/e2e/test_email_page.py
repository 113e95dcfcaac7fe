"""Browser: every button of the email page reads with enough contrast ("Retirer" was blue text on
red, issue 17): WCAG AA, 4.5:1, computed from Chromium's own styles."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress

from tests.factories import PASSWORD, make_user
from tests.helpers.browser import log_in

CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('main button, main .button')].map((b) => {
    const [l1, l2] = [lum(rgb(getComputedStyle(b).color)), lum(rgb(background(b)))];
    return {text: b.innerText.trim(), ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05)};
  });
}"""


def test_the_email_page_buttons_have_enough_contrast(new_page: Any, transactional_db: Any) -> None:
    person = make_user(username="anne", email="anne@example.org")
    EmailAddress.objects.update_or_create(
        user=person, email="anne@example.org", defaults={"primary": True, "verified": True}
    )
    EmailAddress.objects.create(user=person, email="anne.old@example.org", verified=True)
    page = new_page(locale="fr-FR", width=360, height=740)
    page.set_default_timeout(30_000)
    log_in(page, "anne", PASSWORD)
    page.goto("/accounts/email/")
    buttons = page.evaluate(CONTRAST)
    assert any(b["text"] == "Retirer" for b in buttons), buttons
    low = [b for b in buttons if b["ratio"] < 4.5]
    assert low == [], low

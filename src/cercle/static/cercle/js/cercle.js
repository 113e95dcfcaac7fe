// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});

// The inline "Write a comment…" field of feed cards (feed/_post.html), posted with htmx: emptied
// once the comment is added; a refusal (htmx leaves error answers unswapped) shows its reason, sent
// as plain text, under the field, or the form's general message.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-inline-comment")) return;
  const error = form.querySelector(".inline-comment-error");
  const xhr = event.detail.xhr;
  if (event.detail.successful) {
    form.reset();
    if (error) {
      error.textContent = "";
      error.hidden = true;
    }
    return;
  }
  if (!error) return;
  const type = (xhr && xhr.getResponseHeader("Content-Type")) || "";
  const text = type.startsWith("text/plain") ? xhr.responseText.trim() : "";
  error.textContent = text || form.dataset.error || "";
  error.hidden = false;
});

// The home page's folded composer (core/home.html): opened, its text field takes the focus.
document.addEventListener(
  "toggle",
  (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.classList.contains("composer-fold")) {
      return;
    }
    if (details.open) details.querySelector("textarea")?.focus();
  },
  true,
);

// A section folded on a phone and open on a wider screen (`<details data-open-wide>`, e.g. the
// agenda's "Today and coming" on the home page): the feed's first post stays on a phone's first
// screen, and a desktop shows it all at once.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(min-width: 48rem)").matches) return;
  for (const details of document.querySelectorAll("details[data-open-wide]")) details.open = true;
});

// The phone bar's "More" menu (a <details>): Escape closes it and gives the focus back to its
// toggle; a tap or a focus outside it closes it.
(() => {
  const menus = () => document.querySelectorAll("details.nav-more[open]");
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const details of menus()) {
      if (!details.contains(document.activeElement)) continue;
      details.open = false;
      details.querySelector("summary")?.focus();
    }
  });
  const closeOutside = (event) => {
    for (const details of menus()) {
      if (!details.contains(event.target)) details.open = false;
    }
  };
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);
})();

// The bell's count (base.html) comes with the realtime socket's `hello` (realtime.js, issue 15:
// no request after every page). A page without the socket (the chat module switched off) asks
// for it once loaded, as every page did before.
document.addEventListener("DOMContentLoaded", () => {
  const bell = document.getElementById("notification-bell");
  if (bell && !document.getElementById("realtime-status") && window.htmx) {
    window.htmx.trigger(bell, "cercle:refresh");
  }
});

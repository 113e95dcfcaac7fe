// Announcement banners (announcements/_banner.html): each folds to its title and audience with
// its button, and the page remembers it per announcement (localStorage), so a banner read once
// no longer fills a phone's first screen. Without JavaScript the banners show whole and the
// button stays hidden.
(() => {
  const KEY = "cercle.announcement.folded.";
  const remembered = (id) => {
    try { return localStorage.getItem(KEY + id) === "1"; } catch (error) { return false; }
  };
  const remember = (id, folded) => {
    try {
      if (folded) localStorage.setItem(KEY + id, "1"); else localStorage.removeItem(KEY + id);
    } catch (error) { /* private mode: folded for this page only */ }
  };
  const show = (section, folded) => {
    const button = section.querySelector(".announcement-fold");
    const content = section.querySelector(".announcement-content");
    if (!button || !content) return;
    content.hidden = folded;
    section.classList.toggle("announcement-folded", folded);
    button.setAttribute("aria-expanded", folded ? "false" : "true");
    // Its name says what it does ("Fold this announcement"); the chevron only shows it.
    button.firstElementChild.textContent = folded
      ? button.dataset.unfoldLabel
      : button.dataset.foldLabel;
  };
  const setup = (root) => {
    root.querySelectorAll("section.announcement[data-announcement]").forEach((section) => {
      if (section.dataset.foldReady) return;
      section.dataset.foldReady = "1";
      const button = section.querySelector(".announcement-fold");
      if (!button) return;
      button.hidden = false;
      show(section, remembered(section.dataset.announcement));
    });
  };
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest(".announcement-fold") : null;
    if (!button) return;
    const section = button.closest("section.announcement[data-announcement]");
    if (!section) return;
    const folded = button.getAttribute("aria-expanded") === "true";
    remember(section.dataset.announcement, folded);
    show(section, folded);
  });
  const init = () => {
    setup(document);
    // Banners arriving live (realtime.js inserts them) fold as remembered too.
    const box = document.getElementById("announcements");
    if (box) new MutationObserver(() => setup(box)).observe(box, { childList: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// The post composer (feed/_composer.html).
// "Post in" (home page, for those who may announce): the announcement options show only when the
// chosen place allows announcements (<option data-announceable>); hidden, their box is unticked.
// Without JavaScript the options always show, and the server refuses an announcement where it
// cannot be made.
(() => {
  const setupWhere = (select) => {
    const form = select.form;
    const options = form.querySelector("[data-announce-options]");
    if (!options) return;
    const sync = () => {
      const chosen = select.selectedOptions[0];
      const allowed = Boolean(chosen && chosen.hasAttribute("data-announceable"));
      options.hidden = !allowed;
      if (!allowed) {
        const box = options.querySelector('input[name="announce"]');
        if (box) box.checked = false;
      }
    };
    select.addEventListener("change", sync);
    sync();
  };
  const init = () => {
    document.querySelectorAll("select[data-post-in]").forEach((select) => {
      if (select.dataset.ready) return;
      select.dataset.ready = "1";
      setupWhere(select);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

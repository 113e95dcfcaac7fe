// The administration's file fields: the browser's own file input is hidden (it speaks the
// browser's language); a translated button (its label) opens it and the chosen file's name is
// shown beside it. Without JavaScript the button still opens the chooser.
(() => {
  const setup = (box) => {
    const input = box.querySelector('input[type="file"]');
    const name = box.querySelector(".file-name");
    if (!input || !name) return;
    const show = () => {
      const files = Array.from(input.files || []);
      name.textContent = files.length ? files.map((f) => f.name).join(", ") : box.dataset.none;
    };
    input.addEventListener("change", show);
    show();
  };
  const start = () => document.querySelectorAll("[data-file-field]").forEach(setup);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

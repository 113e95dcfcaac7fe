// The post composer (feed/_composer.html): "Post in" with the announcement options, and the
// attachments shown as chips.
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
  // Attachments: the chosen files as chips (name, size, ✕ to remove) before posting. The files
  // are kept in a list (choosing again adds to it) and written back to the input through a
  // DataTransfer, so the form posts exactly the chips shown. Texts come translated from the
  // template's data-* attributes ("{name}" and "{n}" placeholders: a template's "%" would be
  // doubled in its message id).
  const format = (template, values) =>
    template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
  const setupFiles = (box) => {
    const input = box.querySelector('input[type="file"]');
    const list = box.querySelector(".file-chips");
    if (!input || !list || typeof DataTransfer === "undefined") return;
    const number = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      maximumFractionDigits: 1,
    });
    const size = (bytes) => {
      if (bytes < 1024) return format(box.dataset.unitB, { n: number.format(bytes) });
      if (bytes < 1024 * 1024) return format(box.dataset.unitKb, { n: number.format(bytes / 1024) });
      return format(box.dataset.unitMb, { n: number.format(bytes / (1024 * 1024)) });
    };
    let files = [];
    const write = () => {
      const transfer = new DataTransfer();
      files.forEach((file) => transfer.items.add(file));
      input.files = transfer.files;
    };
    const render = () => {
      list.replaceChildren(
        ...files.map((file, index) => {
          const chip = document.createElement("li");
          chip.className = "file-chip";
          const name = document.createElement("span");
          name.className = "file-chip-name";
          name.textContent = file.name;
          const weight = document.createElement("span");
          weight.className = "file-chip-size muted";
          weight.textContent = size(file.size);
          const remove = document.createElement("button");
          remove.type = "button";
          remove.className = "file-chip-remove";
          remove.textContent = "✕";
          remove.setAttribute("aria-label", format(box.dataset.removeLabel, { name: file.name }));
          remove.addEventListener("click", () => {
            files = files.filter((_, i) => i !== index);
            write();
            render();
            input.focus();
          });
          chip.append(name, " ", weight, " ", remove);
          return chip;
        }),
      );
      list.hidden = files.length === 0;
      list.setAttribute("aria-label", format(box.dataset.count, { n: files.length }));
    };
    input.addEventListener("change", () => {
      const known = new Set(files.map((f) => `${f.name}:${f.size}:${f.lastModified}`));
      [...input.files].forEach((file) => {
        const key = `${file.name}:${file.size}:${file.lastModified}`;
        if (!known.has(key)) {
          known.add(key);
          files.push(file);
        }
      });
      write();
      render();
    });
    // After posting (the page reloads) or a reset, start again from what the input holds.
    input.form.addEventListener("reset", () => {
      files = [];
      render();
    });
    render();
  };
  // The composer's label says where the post goes: my wall, the whole organisation, a space
  // ("Post in" on the home page, or the space's own composer), or an announcement there. The
  // server writes the first one; texts come from the label's data-* attributes ({space}).
  const setupLabel = (label) => {
    const form = label.form || label.closest("form");
    if (!form) return;
    const original = label.textContent;
    const select = form.querySelector("select[data-post-in]");
    const box = form.querySelector('input[name="announce"]');
    const update = () => {
      const announcing = Boolean(box && box.checked && !box.closest("[hidden]"));
      let name = label.dataset.spaceName || "";
      let text = original;
      if (select) {
        const chosen = select.selectedOptions[0];
        name = chosen && chosen.value ? chosen.textContent.trim() : "";
        if (!name) text = label.dataset.wall;
        else if (chosen.hasAttribute("data-organisation")) text = label.dataset.organisation;
        else text = format(label.dataset.space, { space: name });
      }
      if (announcing && name) text = format(label.dataset.announce, { space: name });
      if (label.textContent !== text) label.textContent = text;
    };
    if (select) select.addEventListener("change", update);
    if (box) box.addEventListener("change", update);
    update();
  };
  const init = () => {
    document.querySelectorAll("select[data-post-in]").forEach((select) => {
      if (select.dataset.ready) return;
      select.dataset.ready = "1";
      setupWhere(select);
    });
    document.querySelectorAll("label[data-composer-label]").forEach((label) => {
      if (label.dataset.ready) return;
      label.dataset.ready = "1";
      setupLabel(label);
    });
    document.querySelectorAll("[data-file-chips]").forEach((box) => {
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      setupFiles(box);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// The page editor: a small Markdown toolbar and a live preview (the server renders it, with the
// same rules as the saved page). Without JavaScript the form still saves, and "Preview" opens the
// rendered text in a new tab.
(function () {
  "use strict";
  const form = document.querySelector(".page-editor");
  if (!form) return;
  const area = form.querySelector("textarea[name=body]");
  const toolbar = form.querySelector(".page-toolbar");
  const section = document.getElementById("page-preview-section");
  const target = document.getElementById("page-preview");
  const token = form.querySelector("[name=csrfmiddlewaretoken]").value;

  toolbar.hidden = false;
  toolbar.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    if (!button) return;
    const start = area.selectionStart, end = area.selectionEnd, text = area.value;
    const chosen = text.slice(start, end);
    let insert, caret;
    if (button.dataset.wrap) {
      insert = button.dataset.wrap + chosen + button.dataset.wrap;
      caret = start + button.dataset.wrap.length + chosen.length;
    } else if (button.dataset.line) {
      const lineStart = text.lastIndexOf("\n", start - 1) + 1;
      area.setRangeText(button.dataset.line, lineStart, lineStart, "end");
      area.focus();
      schedule();
      return;
    } else {
      insert = button.dataset.insert === "[[]]" ? "[[" + chosen + "]]" : button.dataset.insert;
      caret = start + (button.dataset.insert === "[[]]" ? 2 + chosen.length : insert.length);
    }
    area.setRangeText(insert, start, end, "end");
    area.setSelectionRange(caret, caret);
    area.focus();
    schedule();
  });

  let timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(preview, 400);
  }
  function preview() {
    const body = new FormData();
    body.append("body", area.value);
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
    })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        // The server's sanitised rendering (core.markdown), the same as the saved page shows.
        target.innerHTML = html;
        section.hidden = false;
      })
      .catch(function () {});
  }
  area.addEventListener("input", schedule);
  suggestLinks();
  images();
  const previewButton = form.querySelector(".page-preview-button");
  if (previewButton) previewButton.hidden = true;
  if (area.value) preview();

  // Link suggestions: after "[[", the letters typed ask the server for pages by title (those
  // the person may read, this space's first); the list is a listbox the text area drives
  // (aria-activedescendant): the arrows choose, Enter inserts a Markdown link to the page's
  // stable address, Escape closes. Results are written with textContent, never as HTML.
  function suggestLinks() {
    const list = document.getElementById("page-link-suggestions");
    const status = document.getElementById("page-suggest-status");
    const url = form.dataset.suggestUrl;
    if (!list || !status || !url) return;
    const help = form.querySelector(".page-suggest-help");
    if (help) help.hidden = false;
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);
    let items = [], active = -1, start = -1, asked = 0, waiting = null;

    function typed() {
      // The text between the last "[[" before the caret and the caret, when it is a title
      // being typed (no bracket, bar or line break in it).
      if (area.selectionStart !== area.selectionEnd) return null;
      const before = area.value.slice(0, area.selectionStart);
      const at = before.lastIndexOf("[[");
      if (at < 0) return null;
      const text = before.slice(at + 2);
      if (!text.trim() || text.length > 100 || /[\[\]|\n]/.test(text)) return null;
      return { at: at, text: text };
    }
    function close() {
      list.hidden = true;
      list.replaceChildren();
      items = [];
      active = -1;
      area.removeAttribute("aria-activedescendant");
    }
    function announce(count) {
      const message = count === 0 ? status.dataset.none
        : count === 1 ? status.dataset.one
        : status.dataset.many.replace("{count}", String(count));
      status.textContent = message;
    }
    function select(index) {
      active = index;
      list.querySelectorAll("[role=option]").forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) {
          area.setAttribute("aria-activedescendant", option.id);
          option.scrollIntoView({ block: "nearest" });
        }
      });
    }
    function show(results, at) {
      close();
      items = results;
      start = at;
      results.forEach(function (result, index) {
        const option = document.createElement("li");
        option.id = "page-link-suggestion-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        const title = document.createElement("span");
        title.textContent = result.title;
        const where = document.createElement("span");
        where.className = "page-suggest-space";
        where.textContent = result.space;
        option.append(title, where);
        // mousedown, not click: the text area keeps the focus (and its caret).
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        list.append(option);
      });
      announce(results.length);
      if (results.length) {
        list.hidden = false;
        select(0);
      }
    }
    function choose(index) {
      const result = items[index];
      if (!result) return;
      let end = area.selectionStart;
      // The toolbar's "Link to a page" leaves "]]" after the caret: the link replaces it too.
      if (area.value.slice(end, end + 2) === "]]") end += 2;
      area.setRangeText(result.markdown, start, end, "end");
      close();
      area.focus();
      schedule();
    }
    function lookup() {
      const found = typed();
      if (!found) {
        close();
        return;
      }
      const ticket = ++asked;
      fetch(url + "&q=" + encodeURIComponent(found.text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (ticket === asked) show(Array.isArray(data.results) ? data.results : [], found.at);
        })
        .catch(function () {});
    }
    area.addEventListener("input", function () {
      clearTimeout(waiting);
      waiting = setTimeout(lookup, 200);
    });
    area.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        select((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        select((active - 1 + items.length) % items.length);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        asked++;
        close();
      }
    });
    area.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // Images: pasted or dropped in the text, or chosen with the toolbar's "Image" button. Each is
  // described first (a dialog asks for its alternative text), then sent through the platform's
  // upload policy; the server's answer gives the Markdown inserted where the caret was.
  function images() {
    const url = form.dataset.imageUrl;
    const dialog = document.getElementById("page-image-dialog");
    const picker = document.getElementById("page-image-file");
    const status = document.getElementById("page-image-status");
    if (!url || !dialog || !picker || typeof dialog.showModal !== "function") return;
    const alt = document.getElementById("page-image-alt");
    const error = document.getElementById("page-image-error");
    const name = document.getElementById("page-image-name");
    const help = form.querySelector(".page-image-help");
    if (help) help.hidden = false;
    let pending = null, at = 0;

    function ask(file) {
      if (!file || !file.type.startsWith("image/")) return false;
      pending = file;
      at = area.selectionStart;
      name.textContent = file.name || "";
      alt.value = "";
      error.textContent = "";
      dialog.returnValue = "";
      dialog.showModal();
      alt.focus();
      return true;
    }
    function firstImage(list) {
      return [...(list || [])].find(function (file) { return file.type.startsWith("image/"); });
    }
    toolbar.querySelector("[data-image]").addEventListener("click", function () { picker.click(); });
    picker.addEventListener("change", function () {
      ask(picker.files[0]);
      picker.value = "";
    });
    // Files that are not images are refused here, with a message (the browser would otherwise
    // open a dropped file in place of the editor); the server checks the content again.
    function refuse(list) {
      if (!list || !list.length) return false;
      status.setAttribute("role", "alert");
      status.textContent = form.dataset.imageWrongType;
      return true;
    }
    area.addEventListener("paste", function (event) {
      const files = event.clipboardData && event.clipboardData.files;
      const file = firstImage(files);
      if (file) { event.preventDefault(); ask(file); } else if (refuse(files)) event.preventDefault();
    });
    area.addEventListener("dragover", function (event) {
      if (event.dataTransfer && [...event.dataTransfer.types].includes("Files")) event.preventDefault();
    });
    area.addEventListener("drop", function (event) {
      const files = event.dataTransfer && event.dataTransfer.files;
      const file = firstImage(files);
      if (file) { event.preventDefault(); ask(file); } else if (refuse(files)) event.preventDefault();
    });
    dialog.querySelector("form").addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.value === "cancel") {
        pending = null;
        return; // the dialog closes itself
      }
      event.preventDefault();
      if (!alt.value.trim()) {
        error.textContent = alt.validationMessage || form.dataset.imageFailed;
        alt.focus();
        return;
      }
      const body = new FormData();
      body.append("image", pending, pending.name || "image.png");
      body.append("alt", alt.value);
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            const errors = answer.data.errors || {};
            error.textContent = [].concat(errors.alt || [], errors.image || []).join(" ") ||
              form.dataset.imageFailed;
            alt.focus();
            return;
          }
          dialog.close();
          pending = null;
          const text = area.value;
          const before = at > 0 && text[at - 1] !== "\n" ? "\n" : "";
          const insert = before + answer.data.markdown + "\n";
          area.setRangeText(insert, at, at, "end");
          area.focus();
          status.setAttribute("role", "status");
          status.textContent = form.dataset.imageAdded;
          schedule();
        })
        .catch(function () { error.textContent = form.dataset.imageFailed; });
    });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "insert") area.focus();
    });
  }
})();

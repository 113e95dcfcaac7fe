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
  const previewButton = form.querySelector(".page-preview-button");
  if (previewButton) previewButton.hidden = true;
  if (area.value) preview();
})();

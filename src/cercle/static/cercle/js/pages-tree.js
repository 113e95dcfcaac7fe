// The reorder page's tree (pages/reorder.html). Every move works without this script: each row's
// buttons post the form. This adds two things: the focus comes back to the moved page's row after
// a move (its buttons, by keyboard), and rows may be dragged with a mouse: dropped on the top or
// bottom half of another row, the page goes before or after it; on its right end, under it.
(function () {
  "use strict";
  const list = document.querySelector(".page-reorder");
  if (!list) return;
  const token = document.querySelector("[name=csrfmiddlewaretoken]");
  const moved = location.hash.startsWith("#move-") && document.getElementById(location.hash.slice(1));
  if (moved) {
    const button = moved.querySelector("button");
    const focus = function () {
      if (button && document.activeElement !== button) button.focus();
    };
    focus();
    // Chromium clears the focus when it scrolls to the address's fragment (after the page's
    // scripts ran): the focus is given again once the page is loaded.
    window.addEventListener("load", function () { setTimeout(focus, 0); });
  }
  let dragged = null;
  function where(row, event) {
    const box = row.getBoundingClientRect();
    if (event.clientX > box.left + box.width * 0.7) return "under";
    return event.clientY < box.top + box.height / 2 ? "before" : "after";
  }
  function clear() {
    list.querySelectorAll("[data-drop]").forEach(function (row) { row.removeAttribute("data-drop"); });
  }
  list.addEventListener("dragstart", function (event) {
    const row = event.target.closest("[data-move-url]");
    if (!row) return;
    dragged = row;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.id);
    row.classList.add("page-dragging");
  });
  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("page-dragging");
    dragged = null;
    clear();
  });
  list.addEventListener("dragover", function (event) {
    const row = event.target.closest(".page-reorder-row");
    if (!dragged || !row || row === dragged) return;
    event.preventDefault();
    clear();
    row.setAttribute("data-drop", where(row, event));
  });
  list.addEventListener("drop", function (event) {
    const row = event.target.closest(".page-reorder-row");
    if (!dragged || !row || row === dragged) return;
    event.preventDefault();
    const place = where(row, event);
    const id = dragged.dataset.id;
    let parent, position;
    if (place === "under") {
      parent = row.dataset.id;
      position = 100000; // last among its children (the server keeps it within bounds)
    } else {
      parent = row.dataset.parent;
      position = Number(row.dataset.index) + (place === "after" ? 1 : 0);
      // The server places it among the siblings without it: one less when it came from above.
      if (dragged.dataset.parent === parent && Number(dragged.dataset.index) < position) position -= 1;
    }
    const body = new FormData();
    body.append("csrfmiddlewaretoken", token ? token.value : "");
    body.append("parent", parent);
    body.append("position", String(position));
    body.append("next", "reorder");
    list.setAttribute("aria-busy", "true");
    fetch(dragged.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function () {
      // The page again, at the moved row (the message says whether it moved).
      history.replaceState(null, "", location.pathname + "#move-" + id);
      location.reload();
    }).catch(function () { location.reload(); });
  });
})();

// The tree of pages (pages/_outline.html): a page whose pages are not drawn has a button
// (aria-expanded) that fetches them once from the server (views.page_tree) and then shows or
// hides them. Without this script, the page's link leads to the page, whose side navigation
// shows the pages under it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest(".page-tree-toggle");
    if (!button) return;
    const list = document.getElementById(button.getAttribute("aria-controls"));
    if (!list) return;
    if (button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      list.hidden = true;
      return;
    }
    if (list.children.length) {
      button.setAttribute("aria-expanded", "true");
      list.hidden = false;
      return;
    }
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    fetch(button.dataset.url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        list.innerHTML = html; // the server's template, escaped there
        list.hidden = false;
        button.setAttribute("aria-expanded", "true");
      })
      .catch(function () {
        const link = button.nextElementSibling;
        if (link && link.href) location.href = link.href;
      })
      .finally(function () { button.removeAttribute("aria-busy"); });
  });
})();

// An article's comments, kept current while the page is open (news/article.html). The tab
// subscribes to the article on the socket (news.subscribe, after each `hello`); a `news.comment`
// frame carries ids only, and the comments are asked again from the server
// (GET /news/<id>/comments/), which renders them for this reader. What is being typed in a reply
// or a moderation form, the open forms and the focus are kept across the refresh. Without the
// socket the page works as before: a reload shows the new comments.
(function () {
  "use strict";
  function init() {
    const list = document.getElementById("news-comment-list");
    const live = window.cercleRealtime;
    if (!list || !live) return;
    const id = Number(list.dataset.article);
    const status = document.getElementById("news-comment-status");
    let timer = null;

    function subscribe() { live.send({ type: "news.subscribe", article_id: id }); }

    async function refresh(announce) {
      const typed = {};
      list.querySelectorAll("textarea[id], select[id]").forEach(function (field) {
        if (field.value) typed[field.id] = field.value;
      });
      const open = [];
      list.querySelectorAll("details[open]").forEach(function (details) {
        const field = details.querySelector("[id]");
        if (field) open.push(field.id);
      });
      const active = document.activeElement;
      const focused = active && list.contains(active) && active.id ? active.id : "";
      let response;
      try {
        response = await fetch(list.dataset.url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
      } catch (error) { return; }
      if (!response.ok) return;
      list.innerHTML = await response.text();
      for (const [name, value] of Object.entries(typed)) {
        const field = document.getElementById(name);
        if (field && list.contains(field)) field.value = value;
      }
      for (const name of open) {
        const details = document.getElementById(name)?.closest("details");
        if (details) details.open = true;
      }
      if (focused) document.getElementById(focused)?.focus();
      if (announce && status) status.textContent = status.dataset.new;
    }

    live.on("hello", subscribe);
    if (live.connected) subscribe();
    live.on("news.comment", function (frame) {
      if (frame.article_id !== id) return;
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(true); }, 150);
    });
    live.on("resync", function () { refresh(false); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

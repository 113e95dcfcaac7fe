// A file's page follows its comments live (docs/realtime.md, "A file's comments"): the socket
// (realtime.js, when the chat module is on) is subscribed to the file, and each
// `documents.comments` frame draws the comments again from the file's page — which shows this
// reader what they may do with each one. Not while a comment of the list is being edited here
// (the reader's text would go); the next change, or a reload, shows it then.
(() => {
  "use strict";

  function start() {
    const thread = document.querySelector("[data-comments-of]");
    const live = window.cercleRealtime;
    if (!thread || !live) return;
    const id = Number(thread.dataset.commentsOf);
    const subscribe = () => live.send({ type: "documents.subscribe", id });
    live.on("hello", subscribe);
    subscribe(); // the socket may already be open (false otherwise: `hello` will do it)

    let busy = false;
    async function refresh() {
      if (busy || thread.querySelector("details[open]")) return;
      busy = true;
      try {
        const response = await fetch(location.pathname, {
          credentials: "same-origin",
          headers: { "X-Cercle-Background": "1" },
        });
        if (!response.ok) return;
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = doc.querySelector(`[data-comments-of="${id}"]`);
        if (!fresh || thread.querySelector("details[open]")) return;
        thread.replaceChildren(...fresh.childNodes);
        const status = document.getElementById("comments-status");
        const heading = thread.querySelector("h2");
        if (status && heading) status.textContent = heading.textContent;
      } catch (error) {
        /* offline: a reload shows them */
      } finally {
        busy = false;
      }
    }
    live.on("documents.comments", (frame) => {
      if (frame.document_id === id) refresh();
    });
  }

  // Deferred like realtime.js but before it in the page: `cercleRealtime` exists once the
  // document is parsed and every deferred script has run (readyState is already "interactive"
  // while they run, so it cannot tell).
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();

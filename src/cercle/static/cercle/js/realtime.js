// The one WebSocket of this tab, at /ws/ (docs/realtime.md): reconnects by itself with backoff,
// shows when it is offline, and after every (re)connection (or a `resync` frame: the server dropped
// events for this tab) asks for the messages it missed.
// Other scripts listen with cercleRealtime.on(type, fn) and send with cercleRealtime.send(frame).
// It also keeps the bell's count (from `hello`, then notification.new / .read: the page never asks
// for it over HTTP unless events were dropped or the socket is down) and the "N new posts" banner of a feed
// page (feed.subscribe, feed.new) current, and shows a new announcement's banner at the top of the
// home page (feed.announcement) and takes it off when it ends (feed.announcement_removed); while
// offline they are polled every 2 minutes instead.
(() => {
  "use strict";
  if (window.cercleRealtime) return;
  const IDLE_AFTER_MS = 5 * 60 * 1000;
  const handlers = new Map();
  const outbox = new Map(); // client_id -> frame, until acknowledged
  let socket = null;
  let attempt = 0;
  let lastId = null; // newest message id this tab has
  let stopped = false;
  let retryTimer = null;
  let lastActivity = Date.now();
  let presenceSent = "online";
  let badgeTimer = null;
  const SLOW_POLL_MS = 120000;
  // Requests the page makes by itself: they do not count as activity for the idle sign-out.
  const BACKGROUND = { credentials: "same-origin", headers: { "X-Cercle-Background": "1" } };
  let slowPoll = null;
  let helloCount = 0;
  let bellKnown = false; // the bell's count came with `hello` (or the server was asked)
  const newPostIds = new Set();

  const statusEl = () => document.getElementById("realtime-status");
  const myId = () => Number(statusEl()?.dataset.userId || 0);

  function on(type, fn) {
    if (!handlers.has(type)) handlers.set(type, new Set());
    handlers.get(type).add(fn);
  }

  function emit(type, frame) {
    for (const key of [type, "*"]) {
      for (const fn of handlers.get(key) || []) {
        try { fn(frame); } catch (error) { console.error(error); }
      }
    }
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  // A message is kept until its acknowledgement and sent again (same client id) after a reconnect.
  function sendMessage(frame) {
    outbox.set(frame.client_id, frame);
    send(frame);
  }

  // A message taken back before it was sent (chat.js's "Cancel" while offline).
  function forget(clientId) {
    outbox.delete(clientId);
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
  }

  function seen(id) {
    if (typeof id === "number" && (lastId === null || id > lastId)) lastId = id;
  }

  function setOffline(offline) {
    const el = statusEl();
    if (el) el.hidden = !offline;
    document.documentElement.classList.toggle("realtime-offline", offline);
    if (offline && !bellKnown) {
      // No `hello` to bring the bell's count (the socket could not open): ask once now.
      bellKnown = true;
      refreshBell();
    }
    if (offline && !slowPoll) {
      slowPoll = setInterval(() => { refreshBell(); recountNewPosts(); refreshAnnouncements(); }, SLOW_POLL_MS);
    } else if (!offline && slowPoll) {
      clearInterval(slowPoll);
      slowPoll = null;
    }
    emit(offline ? "offline" : "online", {});
  }

  // The Messages badge: the unmuted conversations with unread messages. `hello` brings them; the
  // frames that follow (a message from someone else, my reads from any tab, leaving) keep them,
  // without asking the server after every message. Drawn 250 ms later, so that a message read
  // at once in the open conversation (its read.updated follows) never flashes the badge.
  let unreadConversations = null; // Set of ids, known once `hello` brought them
  let mutedConversations = new Set();
  let helloNewest = 0; // the newest message id when `hello` counted the unread

  function drawBadge() {
    clearTimeout(badgeTimer);
    badgeTimer = setTimeout(() => {
      const badge = document.getElementById("messages-badge");
      if (!badge || unreadConversations === null) return;
      badge.querySelector(".nav-badge-count").textContent = String(unreadConversations.size);
      badge.hidden = unreadConversations.size === 0;
    }, 250);
  }

  function markUnread(conversationId, unread) {
    if (unreadConversations === null || typeof conversationId !== "number") return;
    if (unread && !mutedConversations.has(conversationId)) unreadConversations.add(conversationId);
    else if (!unread) unreadConversations.delete(conversationId);
    drawBadge();
  }

  // Asked of the server only when events may have been missed (`resync`) or by a page that
  // changed what the frames do not tell (chat.js after muting).
  function refreshBadge() {
    clearTimeout(badgeTimer);
    badgeTimer = setTimeout(async () => {
      const badge = document.getElementById("messages-badge");
      if (!badge) return;
      try {
        const response = await fetch(badge.dataset.unreadUrl, BACKGROUND);
        if (!response.ok) return;
        const data = await response.json();
        mutedConversations = new Set(data.muted || []);
        badge.querySelector(".nav-badge-count").textContent = String(data.conversations);
        badge.hidden = data.conversations === 0;
      } catch (error) { /* offline: the next event refreshes it */ }
    }, 250);
  }

  // --- The bell and the "N new posts" banner -------------------------------------------------

  function pluralForm(n) {
    try { return new Intl.PluralRules(document.documentElement.lang || "en").select(n); } catch (error) { return n === 1 ? "one" : "other"; }
  }

  function bellEl() { return document.getElementById("notification-bell"); }

  function refreshBell() {
    const el = bellEl();
    if (el && window.htmx) window.htmx.trigger(el, "cercle:refresh");
  }

  function setBell(unread) {
    const el = bellEl();
    const link = el?.querySelector("a");
    if (!link || typeof unread !== "number") return;
    link.querySelector(".bell-count")?.remove();
    if (unread <= 0) return;
    const count = document.createElement("span");
    count.className = "bell-count";
    count.textContent = String(unread);
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = ` ${pluralForm(unread) === "one" ? el.dataset.unreadOne : el.dataset.unreadOther}`;
    count.append(label);
    link.append(count);
  }

  function bannerEl() { return document.getElementById("new-posts"); }

  function showNewPosts(count) {
    const el = bannerEl();
    if (!el) return;
    el.dataset.count = String(Math.max(0, count));
    let button = el.querySelector("button");
    if (count <= 0) { button?.remove(); return; }
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary";
      el.append(button);
    }
    const text = pluralForm(count) === "one" ? el.dataset.one : el.dataset.other;
    button.textContent = text.replace(/\d+/, String(count));
  }

  function subscribeFeed() {
    const el = bannerEl();
    if (!el) return;
    const frame = { type: "feed.subscribe", feed: el.dataset.feed || "home" };
    if (frame.feed === "home") frame.filter = el.dataset.filter || "all";
    else frame.id = Number(el.dataset.feedId);
    send(frame);
  }

  // After a reconnection (events may have been missed) and while offline: the server counts.
  async function recountNewPosts() {
    const el = bannerEl();
    if (!el || !el.dataset.countUrl) return;
    try {
      const url = `${el.dataset.countUrl}&since=${encodeURIComponent(el.dataset.since || "")}`;
      const response = await fetch(url, BACKGROUND);
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const count = Number(doc.getElementById("new-posts")?.dataset.count || 0);
      showNewPosts(Math.max(count, newPostIds.size));
    } catch (error) { /* offline: the next poll or reconnection asks again */ }
  }

  // A post shown here changed in place (an activity post's count: "added 4 files to"): its
  // heading and its body are drawn again from the post's page; the rest (comments, a comment
  // being written) is left as it is. A page not showing it does nothing.
  async function refreshPost(postId) {
    const here = document.getElementById(`post-${Number(postId)}`);
    if (!here) return;
    try {
      const response = await fetch(`/posts/${Number(postId)}/`, BACKGROUND);
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = doc.getElementById(`post-${Number(postId)}`);
      if (!fresh) return;
      for (const selector of [".post-by", ":scope > .post-body"]) {
        const mine = here.querySelector(selector);
        const theirs = fresh.querySelector(selector);
        if (mine && theirs) mine.replaceWith(theirs);
      }
    } catch (error) { /* offline: the next page load shows it */ }
  }

  // The button loads the feed's first page again, new posts included, without reloading the page.
  async function loadNewPosts() {
    const url = new URL(location.href);
    url.searchParams.delete("cursor");
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = doc.querySelector("section.feed");
      const here = document.querySelector("section.feed");
      if (fresh && here) {
        here.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      }
      const el = bannerEl();
      const since = doc.getElementById("new-posts")?.dataset.since;
      if (el && since) el.dataset.since = since;
      newPostIds.clear();
      showNewPosts(0);
      const first = document.querySelector("section.feed article");
      if (first) {
        if (!first.hasAttribute("tabindex")) first.setAttribute("tabindex", "-1");
        first.focus();
      }
    } catch (error) { /* offline: the button stays */ }
  }

  // The home page's announcements, asked again from the server (which decides what I see): new
  // ones go in at the top of the live region (read out once), those gone (dismissed in another
  // tab) are removed, and those already shown are left alone.
  async function refreshAnnouncements() {
    const box = document.getElementById("announcements");
    if (!box || !box.dataset.url) return;
    try {
      // As htmx asks: the banners alone (opened in the browser, the address is a whole page).
      const response = await fetch(box.dataset.url, {
        credentials: "same-origin",
        headers: { "HX-Request": "true", ...BACKGROUND.headers },
      });
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = [...doc.querySelectorAll("section.announcement[id]")];
      const wanted = new Set(fresh.map((section) => section.id));
      for (const old of box.querySelectorAll("section.announcement[id]")) {
        if (!wanted.has(old.id)) old.remove();
      }
      let previous = null;
      for (const section of fresh) {
        let here = document.getElementById(section.id);
        if (!here || !box.contains(here)) {
          here = document.importNode(section, true);
          if (previous) previous.after(here); else box.prepend(here);
          if (window.htmx) window.htmx.process(here);
        }
        previous = here;
      }
    } catch (error) { /* offline: the next reconnection asks again */ }
  }

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("#new-posts button") : null;
    if (button) { event.preventDefault(); loadNewPosts(); }
  });

  function presenceNow() {
    const idle = document.hidden || Date.now() - lastActivity > IDLE_AFTER_MS;
    const status = idle ? "away" : "online";
    if (status !== presenceSent && send({ type: "presence", status })) presenceSent = status;
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "hello": {
        if (lastId === null) {
          const since = Number(document.querySelector("[data-since]")?.dataset.since);
          lastId = Number.isFinite(since) && since >= 0 && document.querySelector("[data-since]") ? since : frame.last_message_id;
        }
        send({ type: "sync", after: lastId });
        for (const pending of outbox.values()) send(pending);
        presenceSent = "online";
        presenceNow();
        if (Array.isArray(frame.unread_conversations)) {
          unreadConversations = new Set(frame.unread_conversations);
          helloNewest = Number(frame.last_message_id) || 0;
          mutedConversations = new Set(frame.muted_conversations || []);
          drawBadge();
        } else {
          refreshBadge();
        }
        // The bell's count: `hello` brings it (no request after every page, issue 15).
        if (typeof frame.unread_notifications === "number") {
          bellKnown = true;
          setBell(frame.unread_notifications);
        } else {
          refreshBell();
        }
        subscribeFeed();
        helloCount += 1;
        // After a reconnection, or a first connection long after the page was rendered (slow
        // network, page restored from the cache), events may have been missed: ask the server.
        if (helloCount > 1 || performance.now() > 5000) { recountNewPosts(); refreshAnnouncements(); }
        break;
      }
      case "resync":
        // The server had to drop events for this tab (it could not take them fast enough): catch
        // up as after a reconnection. Sent once per overload, not once per event dropped.
        send({ type: "sync", after: lastId ?? 0 });
        refreshBadge();
        refreshBell(); recountNewPosts(); refreshAnnouncements();
        break;
      case "sync.result": {
        for (const message of frame.messages) {
          seen(message.id);
          emit("message.new", { type: "message.new", message, synced: true });
        }
        if (frame.more) send({ type: "sync", after: frame.last_id });
        for (const message of frame.messages) {
          // Those older than `hello` are in its unread set already (or were read since).
          if (message.sender.id !== myId() && message.id > helloNewest) markUnread(message.conversation_id, true);
        }
        break;
      }
      case "message.new":
        seen(frame.message.id);
        if (frame.message.sender.id !== myId()) markUnread(frame.message.conversation_id, true);
        break;
      case "message.ack":
        outbox.delete(frame.client_id);
        break;
      case "read.updated":
        markUnread(frame.conversation_id, frame.unread > 0);
        break;
      case "conversation.left":
        markUnread(frame.conversation_id, false);
        break;
      case "conversation.created":
        send({ type: "sync", after: lastId ?? 0 });
        break;
      case "notification.new":
      case "notification.read":
        setBell(frame.unread);
        break;
      case "feed.announcement":
        refreshAnnouncements();
        break;
      case "feed.announcement_removed":
        // Taken back, retargeted, or its post deleted or hidden: asked again only by a page that
        // shows it (the server keeps it for whom it still shows, e.g. a hidden post's author).
        if (document.getElementById(`announcement-${frame.announcement_id}`)) refreshAnnouncements();
        break;
      case "feed.updated":
        refreshPost(frame.post_id);
        break;
      case "feed.new":
        if (!newPostIds.has(frame.post_id)) {
          newPostIds.add(frame.post_id);
          showNewPosts(Number(bannerEl()?.dataset.count || 0) + 1);
        }
        break;
      default:
        break;
    }
    emit(frame.type, frame);
  }

  function scheduleReconnect() {
    if (stopped) return;
    const delay = Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/`);
    socket = ws;
    ws.addEventListener("open", () => {
      attempt = 0;
      setOffline(false);
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      if (frame && typeof frame.type === "string") onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (socket === ws) socket = null;
      if (event.code === 1012 && attempt === 0) {
        // "Service restart": this server process is stopping (a deploy, a scale-down) and the
        // load balancer sends the next socket to another one. Come back soon, spread over a
        // second so that a process's sockets do not all arrive at once, and show "offline" only
        // if that fails (then the usual backoff). `hello` brings `sync` and the outbox again.
        attempt = 1;
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, 100 + Math.random() * 1000);
        return;
      }
      setOffline(true);
      if (event.code === 4401) { stopped = true; return; } // signed out: a new login reloads
      scheduleReconnect();
    });
  }

  for (const name of ["keydown", "pointerdown", "scroll", "focus"]) {
    window.addEventListener(name, () => { lastActivity = Date.now(); presenceNow(); }, { passive: true });
  }
  document.addEventListener("visibilitychange", () => { lastActivity = Date.now(); presenceNow(); });
  setInterval(presenceNow, 30000);
  window.addEventListener("online", () => { attempt = 0; connect(); });

  window.cercleRealtime = {
    on,
    send,
    sendMessage,
    forget,
    newClientId,
    refreshBadge,
    refreshBell,
    get connected() { return Boolean(socket && socket.readyState === WebSocket.OPEN); },
    get lastMessageId() { return lastId; },
    get userId() { return myId(); },
    // Cut the connection as a network failure would (used by tests and "reconnect now").
    drop() { if (socket) socket.close(); },
  };
  if (statusEl()) connect();
})();

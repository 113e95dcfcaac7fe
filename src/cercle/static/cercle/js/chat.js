// The messages page: live conversation list and conversation (history, composer, typing,
// receipts, presence, reactions, edits), on top of the tab's socket (realtime.js).
(() => {
  "use strict";
  const EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
  const TYPING_EVERY_MS = 2000;

  // realtime.js (deferred too, later in the page) defines cercleRealtime before DOMContentLoaded.
  function ready(fn) {
    if (window.cercleRealtime) fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(() => {
    const rt = window.cercleRealtime;
    const root = document.querySelector("[data-chat]");
    if (!rt || !root) return;
    const me = Number(root.dataset.userId);
    const T = JSON.parse(document.getElementById("chat-strings")?.textContent || "{}");
    const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
    const pane = document.getElementById("conversation");
    const conversationId = pane ? Number(pane.dataset.conversationId) : null;
    // An archived space's channel: its history is read, nothing is written (no composer, no
    // reactions, pins, edits or deletions).
    const readOnly = Boolean(pane && "readOnly" in pane.dataset);
    // Opened at an old message with more than a page of newer ones not loaded: new messages are
    // not put after the loaded ones (the "Go to the newest messages" link shows them).
    const gap = Boolean(pane && "gap" in pane.dataset);
    const list = document.getElementById("message-list");
    // A page the service worker served from its copy (pwa.js): nothing is sent from it.
    const offlineCopy = document.documentElement.hasAttribute("data-offline");

    // --- outbox: messages typed while the socket is down, kept in this browser (per person and
    // conversation, with their client ids) until acknowledged, so a reload loses none; the server
    // stores a (sender, client id) once, so sending one again never doubles it.
    const outboxKey = `cercle.chat.outbox.${me}.${conversationId}`;
    function storedOutbox() {
      try {
        const frames = JSON.parse(localStorage.getItem(outboxKey) || "[]");
        return Array.isArray(frames) ? frames.filter((f) => f && typeof f.client_id === "string" && f.conversation_id === conversationId) : [];
      } catch (error) { return []; }
    }
    function storeOutbox(frames) {
      try {
        if (frames.length) localStorage.setItem(outboxKey, JSON.stringify(frames));
        else localStorage.removeItem(outboxKey);
      } catch (error) { /* storage refused or full: kept by this tab only (realtime.js) */ }
    }
    function keepInOutbox(frame) {
      if (conversationId !== null) storeOutbox([...storedOutbox().filter((f) => f.client_id !== frame.client_id), frame]);
    }
    function dropFromOutbox(clientId) {
      if (conversationId !== null) storeOutbox(storedOutbox().filter((f) => f.client_id !== clientId));
    }
    // Handed to an open socket once: the server may have it already, so it can no longer be
    // cancelled (only sent again, which stores nothing twice).
    function markHanded(li) {
      if ("handed" in li.dataset) return;
      li.dataset.handed = "";
      storeOutbox(storedOutbox().map((f) => (f.client_id === li.dataset.clientId ? { ...f, handed: true } : f)));
    }
    const scroller = document.getElementById("chat-scroll");
    const readStates = JSON.parse(document.getElementById("chat-read-states")?.textContent || "{}");
    const names = JSON.parse(document.getElementById("chat-names")?.textContent || "{}");
    let replyTo = null;
    let lastTypingSent = 0;
    let lastReadSent = 0;
    const typingTimers = new Map();
    // A file's size in the page's language ("12 kB", "12 ko", "1,5 Mo"), like the server's
    // filesizeformat for the messages it renders itself.
    const lang = document.documentElement.lang || undefined;
    // Times in the person's time zone (the server's choice for the messages it renders), 24-hour
    // like its "H:i"; the browser's own zone only when the page gives none.
    const timeZone = root.dataset.timeZone || undefined;
    let clock;
    try {
      clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone });
    } catch (error) {
      clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
    // "8 bytes", "1.2 kB" ("8 o", "1,2 ko"): the server's `file_size` filter, with its units.
    const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    function fileSize(bytes) {
      const units = [[1024 ** 3, T.size_gb], [1024 ** 2, T.size_mb], [1024, T.size_kb]];
      for (const [step, unit] of units) {
        if (bytes >= step) return fmt(unit || "%(n)s", { n: decimal.format(Math.round((bytes / step) * 10) / 10) });
      }
      return fmt((bytes === 1 ? T.size_byte : T.size_bytes) || "%(n)s", { n: decimal.format(bytes) });
    }

    // --- presence ---------------------------------------------------------------------------
    function showPresence(userId, status) {
      for (const el of document.querySelectorAll(`[data-presence-user="${userId}"]`)) {
        el.dataset.status = status;
        el.title = T[status] || status;
        const label = el.querySelector(".visually-hidden");
        if (label) label.textContent = T[status] || status;
      }
    }
    rt.on("hello", (frame) => {
      for (const [userId, status] of Object.entries(frame.presence || {})) showPresence(userId, status);
      markRead();
    });
    rt.on("presence", (frame) => showPresence(frame.user_id, frame.status));

    // --- conversation list ------------------------------------------------------------------
    function sidebarItem(id) {
      return document.querySelector(`[data-conversation-item="${id}"]`);
    }
    function setUnread(id, count) {
      const badge = sidebarItem(id)?.querySelector("[data-unread-badge]");
      if (!badge) return;
      badge.querySelector(".badge-count").textContent = String(count);
      badge.hidden = count <= 0;
    }
    function bumpToTop(id) {
      const item = sidebarItem(id);
      if (item && item.parentElement && item.parentElement.firstElementChild !== item) {
        item.parentElement.prepend(item);
      }
    }
    // The list's preview of a conversation's newest message: plain text of the (sanitised) HTML.
    const PREVIEW_LENGTH = 120;
    function plainText(html) {
      const text = (new DOMParser().parseFromString(html || "", "text/html").body.textContent || "").replace(/\s+/g, " ").trim();
      return text.length <= PREVIEW_LENGTH ? text : `${text.slice(0, PREVIEW_LENGTH - 1).trimEnd()}…`;
    }
    function showPreview(m) {
      const item = sidebarItem(m.conversation_id);
      const preview = item?.querySelector(".chat-list-preview");
      if (!preview) return;
      if (m.deleted) preview.textContent = T.preview_deleted;
      else {
        const name = m.sender.id === me ? T.you : m.sender.display_name;
        preview.textContent = fmt(T.preview, { name, text: plainText(m.html) || T.preview_file });
      }
      preview.dataset.previewId = String(m.id);
    }
    function showListTime(m) {
      const time = sidebarItem(m.conversation_id)?.querySelector(".chat-list-time");
      if (!time) return;
      time.dateTime = m.created_at;
      time.textContent = timeOf(m.created_at); // just now: today
    }
    rt.on("conversation.created", (frame) => {
      const c = frame.conversation;
      if (sidebarItem(c.id)) return;
      let ul = document.getElementById("conversation-list");
      if (!ul) {
        ul = document.createElement("ul");
        ul.id = "conversation-list";
        document.querySelector(".chat-list")?.append(ul);
      }
      const other = c.members.find((m) => m.id !== me);
      const li = el("li");
      li.dataset.conversationItem = String(c.id);
      const a = document.createElement("a");
      a.href = `/messages/${c.id}/`;
      const main = el("span", "chat-list-main");
      const top = el("span", "chat-list-top");
      top.append(el("span", "chat-list-title", c.kind === "direct" && other ? other.display_name : c.name || T.organisation || ""), " ", el("time", "chat-list-time"));
      const preview = el("span", "chat-list-preview");
      preview.dataset.previewId = "";
      main.append(top, preview);
      const badge = el("span", "badge");
      badge.dataset.unreadBadge = "";
      badge.hidden = true;
      badge.append(el("span", "badge-count", "0"));
      a.append(main, " ", badge);
      li.append(a);
      ul.prepend(li);
    });
    rt.on("read.updated", (frame) => setUnread(frame.conversation_id, frame.unread));
    // The space of the channel on screen was archived or restored: the server renders the page
    // again, with the notice or the composer.
    rt.on("conversation.read_only", (frame) => {
      if (frame.conversation_id === conversationId && frame.read_only !== readOnly) location.reload();
    });
    // A tab that may have missed that event (offline at the time, or its events dropped by an
    // overloaded server: `resync`), or that had a write refused as `read_only`, asks the
    // conversation's state and reloads if it changed since the page was rendered.
    async function checkReadOnly() {
      if (!pane || pane.dataset.kind !== "space") return;
      try {
        const response = await fetch(`/api/v1/conversations/${conversationId}`, { credentials: "same-origin" });
        if (response.ok && Boolean((await response.json()).read_only) !== readOnly) location.reload();
      } catch (error) { /* offline again: the next connection asks */ }
    }
    let hellos = 0;
    rt.on("hello", () => {
      // A reconnection, or a first connection long after the page was rendered (as realtime.js).
      hellos += 1;
      if (hellos > 1 || performance.now() > 5000) checkReadOnly();
    });
    rt.on("resync", checkReadOnly);
    rt.on("error", (frame) => {
      if (frame.code === "read_only" && !readOnly) checkReadOnly();
    });

    // --- messages ---------------------------------------------------------------------------
    function el(tag, className, text) {
      const node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    }
    function timeOf(iso) {
      const parts = Object.fromEntries(clock.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
      return `${parts.hour}:${parts.minute}`;
    }
    function renderReactions(container, reactions) {
      container.replaceChildren();
      for (const r of reactions) container.append(reactionChip(r.emoji, r.count, r.user_ids.includes(me)));
    }
    function reactionChip(emoji, count, mine) {
      const b = el("button", `reaction${mine ? " reaction-mine" : ""}`, `${emoji} ${count}`);
      b.type = "button";
      b.dataset.action = "toggle-reaction";
      b.dataset.emoji = emoji;
      b.setAttribute("aria-pressed", mine ? "true" : "false");
      b.disabled = readOnly;
      return b;
    }
    function renderMessage(m) {
      const li = el("li", "msg");
      if (m.sender.id === me) li.classList.add("msg-mine");
      if (m.deleted) li.classList.add("msg-is-deleted");
      li.id = `m-${m.id}`;
      li.dataset.messageId = String(m.id);
      li.dataset.senderId = String(m.sender.id);
      li.dataset.clientId = m.client_id;
      const meta = el("div", "msg-meta");
      const time = el("time", "", timeOf(m.created_at));
      time.dateTime = m.created_at;
      meta.append(el("span", "msg-author", m.sender.display_name), " ", time);
      if (m.edited && !m.deleted) {
        const edited = el("button", "link-button msg-edited", `(${T.edited})`);
        edited.type = "button";
        edited.dataset.action = "versions";
        meta.append(" ", edited);
      }
      if (m.pinned) {
        li.dataset.pinned = "";
        meta.append(" ", el("span", "msg-pinned", `📌 ${T.pinned}`));
      }
      li.append(meta);
      if (m.reply_to) {
        const q = m.reply_preview;
        const quote = q ? fmt(T.quote, { name: q.author, text: q.deleted ? T.quote_deleted : q.excerpt || "📎" }) : T.in_reply_to;
        const a = el("a", "msg-reply", `↪ ${quote}`);
        a.href = `#m-${m.reply_to}`;
        li.append(a);
      }
      const body = el("div", m.deleted ? "msg-body msg-deleted" : "msg-body");
      if (m.deleted) body.textContent = T.deleted;
      else body.innerHTML = m.html; // sanitised by the server (nh3)
      li.append(body);
      if (!m.deleted && Array.isArray(m.link_cards)) renderCards(li, m.link_cards);
      else if (!m.deleted && m.link_cards === null && m.id) loadCards(li, m.id);
      if (!m.deleted && m.attachments && m.attachments.length) {
        const files = el("ul", "msg-files");
        for (const f of m.attachments) {
          const item = el("li");
          const link = el("a");
          link.href = f.url;
          if (f.image) {
            const img = el("img");
            img.src = f.url;
            img.alt = f.name;
            if (f.width) img.width = f.width;
            if (f.height) img.height = f.height;
            img.loading = "lazy";
            link.append(img);
            item.append(link);
          } else {
            link.textContent = `📎 ${f.name}`;
            item.append(link, " ", el("span", "muted", `(${fileSize(f.size)})`));
          }
          files.append(item);
        }
        li.append(files);
      }
      const reactions = el("div", "msg-reactions");
      if (!m.deleted) renderReactions(reactions, m.reactions || []);
      li.append(reactions);
      decorate(li);
      return li;
    }
    // Cards of a message's links to things I may see (a document: name, type, size, picture),
    // drawn like the server's `documents/_link_card.html`. A message from the socket carries
    // `link_cards: null` when it has such links (the event is the same for every reader): asked.
    function renderCards(li, cards) {
      li.querySelector(".link-cards")?.remove();
      if (!cards.length) return;
      const box = el("div", "link-cards");
      for (const c of cards) {
        const a = el("a", "link-card");
        a.href = c.url;
        if (c.thumbnail_url) {
          const img = el("img", "link-card-picture");
          img.src = c.thumbnail_url;
          img.alt = "";
          img.width = 80;
          img.height = 80;
          img.loading = "lazy";
          a.append(img);
        } else {
          const icon = el("span", "link-card-icon", "📄");
          icon.setAttribute("aria-hidden", "true");
          a.append(icon);
        }
        const text = el("span", "link-card-text");
        text.append(el("span", "link-card-title", c.name || ""), " ",
          el("span", "muted", [c.content_type, fileSize(c.size || 0)].filter(Boolean).join(" · ")));
        a.append(text);
        box.append(a);
      }
      li.querySelector(".msg-body")?.after(box);
    }
    async function loadCards(li, id) {
      try {
        const response = await fetch(`/api/v1/messages/${id}/cards`, { credentials: "same-origin" });
        if (response.ok) renderCards(li, await response.json());
      } catch (error) { /* offline: the link stays a link */ }
    }
    // A message's actions sit behind one "…" button (a disclosure: aria-expanded, Escape closes).
    let menuCount = 0;
    function closeMenus(except) {
      for (const button of list.querySelectorAll('.msg-more[aria-expanded="true"]')) {
        if (button === except) continue;
        button.setAttribute("aria-expanded", "false");
        const menu = document.getElementById(button.getAttribute("aria-controls"));
        if (menu) menu.hidden = true;
      }
    }
    function decorate(li) {
      if (li.querySelector(".msg-actions") || li.classList.contains("msg-is-deleted") || li.classList.contains("msg-pending")) return;
      const bar = el("div", "msg-actions");
      bar.id = `msg-actions-${li.dataset.messageId || ""}-${++menuCount}`;
      bar.hidden = true;
      const more = el("button", "msg-more");
      more.type = "button";
      more.dataset.action = "menu";
      more.setAttribute("aria-expanded", "false");
      more.setAttribute("aria-controls", bar.id);
      more.setAttribute("aria-label", T.actions);
      more.title = T.actions;
      more.append(el("span", "", "…"));
      more.firstChild.setAttribute("aria-hidden", "true");
      const add = (action, label, extra) => {
        const b = el("button", "link-button", label);
        b.type = "button";
        b.dataset.action = action;
        Object.assign(b.dataset, extra || {});
        bar.append(b, " ");
      };
      if (readOnly) {
        add("copy-link", T.copy_link);
        li.querySelector(".msg-meta")?.after(more);
        li.append(bar);
        return;
      }
      const picker = el("details", "emoji-picker");
      const summary = el("summary", "", T.react);
      picker.append(summary);
      for (const emoji of EMOJI) {
        const b = el("button", "link-button", emoji);
        b.type = "button";
        b.dataset.action = "add-reaction";
        b.dataset.emoji = emoji;
        picker.append(b);
      }
      bar.append(picker, " ");
      add("reply", T.reply);
      add("pin", "pinned" in li.dataset ? T.unpin : T.pin);
      if (Number(li.dataset.senderId) === me) {
        add("edit", T.edit);
        add("delete", T.delete);
      }
      add("copy-link", T.copy_link);
      li.querySelector(".msg-meta")?.after(more);
      li.append(bar);
    }
    function nearBottom() {
      return scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
    }
    function toBottom() {
      if (scroller) scroller.scrollTop = scroller.scrollHeight;
    }
    const emptyState = document.getElementById("chat-empty-state");
    function insert(node) {
      if (emptyState) emptyState.hidden = true;
      const id = Number(node.dataset.messageId);
      const existing = document.getElementById(node.id);
      if (existing) {
        // Drawn again (a sync brings back the few messages written just before the last one
        // the page had): still the message a link pointed to, if it was.
        if (existing.classList.contains("msg-target")) node.classList.add("msg-target");
        existing.replaceWith(node);
        return;
      }
      const pending = node.dataset.clientId && list.querySelector(`.msg-pending[data-client-id="${CSS.escape(node.dataset.clientId)}"]`);
      if (pending) {
        pending.remove();
        dropFromOutbox(node.dataset.clientId);
      }
      // In id order (sync results may arrive after live ones), before messages still sending.
      const later = [...list.querySelectorAll("li.msg[data-message-id]")].find((li) => Number(li.dataset.messageId) > id)
        || list.querySelector("li.msg-pending");
      if (later) list.insertBefore(node, later);
      else list.append(node);
    }
    function showReceipt() {
      const el2 = document.getElementById("read-receipt");
      if (!el2 || !list) return;
      const mine = [...list.querySelectorAll("li.msg-mine[data-message-id]")];
      const lastMine = mine.length ? Number(mine[mine.length - 1].dataset.messageId) : 0;
      const readers = lastMine
        ? Object.entries(readStates).filter(([, last]) => last >= lastMine).map(([uid]) => names[uid]).filter(Boolean)
        : [];
      el2.textContent = readers.length ? fmt(T.seen_by, { names: readers.join(", ") }) : "";
    }
    function markRead() {
      if (!conversationId || document.hidden) return;
      const last = [...list.querySelectorAll("li.msg[data-message-id]")].pop();
      const id = last ? Number(last.dataset.messageId) : 0;
      if (id && id > lastReadSent && rt.send({ type: "read", conversation_id: conversationId, message_id: id })) lastReadSent = id;
    }
    document.addEventListener("visibilitychange", markRead);

    rt.on("message.new", (frame) => {
      const m = frame.message;
      if (m.conversation_id === conversationId && list && !gap) {
        const stick = nearBottom() || m.sender.id === me;
        insert(renderMessage(m));
        if (stick) toBottom();
        if (m.sender.id !== me) {
          clearTyping(m.sender.id);
          markRead();
        }
        showReceipt();
      } else if (m.sender.id !== me && !frame.synced) {
        const badge = sidebarItem(m.conversation_id)?.querySelector(".badge-count");
        if (badge) setUnread(m.conversation_id, Number(badge.textContent || 0) + 1);
      }
      // The list shows a conversation's newest message: a sync brings back a few older ones (written
      // just before the last one the page had), and ids may arrive out of order.
      const shownId = Number(sidebarItem(m.conversation_id)?.querySelector(".chat-list-preview")?.dataset.previewId || 0);
      if (m.id < shownId) return;
      showPreview(m);
      showListTime(m);
      bumpToTop(m.conversation_id);
    });
    rt.on("message.ack", (frame) => {
      if (frame.message.conversation_id === conversationId) insert(renderMessage(frame.message));
      showReceipt();
    });
    rt.on("message.updated", (frame) => {
      const existing = document.getElementById(`m-${frame.message.id}`);
      if (existing) existing.replaceWith(renderMessage(frame.message));
      const preview = sidebarItem(frame.message.conversation_id)?.querySelector(".chat-list-preview");
      if (preview && preview.dataset.previewId === String(frame.message.id)) showPreview(frame.message);
    });
    function onReaction(frame, delta) {
      const li = document.getElementById(`m-${frame.message_id}`);
      const box = li?.querySelector(".msg-reactions");
      if (!box) return;
      let chip = [...box.querySelectorAll("[data-emoji]")].find((b) => b.dataset.emoji === frame.emoji);
      const count = (chip ? Number(chip.textContent.split(" ").pop()) : 0) + delta;
      const mine = frame.user_id === me ? delta > 0 : chip?.getAttribute("aria-pressed") === "true";
      if (count <= 0) { chip?.remove(); return; }
      const fresh = reactionChip(frame.emoji, count, mine);
      if (chip) chip.replaceWith(fresh); else box.append(fresh);
    }
    rt.on("reaction.added", (frame) => onReaction(frame, 1));
    rt.on("reaction.removed", (frame) => onReaction(frame, -1));
    rt.on("conversation.read", (frame) => {
      if (frame.conversation_id !== conversationId || frame.user_id === me) return;
      readStates[String(frame.user_id)] = frame.last_read_message_id;
      showReceipt();
    });

    // --- typing -----------------------------------------------------------------------------
    const typingEl = document.getElementById("typing");
    const typingNames = new Map();
    function renderTyping() {
      if (typingEl) typingEl.textContent = [...typingNames.values()].map((name) => fmt(T.typing, { name })).join(" ");
    }
    function clearTyping(userId) {
      clearTimeout(typingTimers.get(userId));
      typingNames.delete(userId);
      renderTyping();
    }
    rt.on("typing", (frame) => {
      if (frame.conversation_id !== conversationId || frame.user.id === me) return;
      typingNames.set(frame.user.id, frame.user.display_name);
      renderTyping();
      clearTimeout(typingTimers.get(frame.user.id));
      typingTimers.set(frame.user.id, setTimeout(() => clearTyping(frame.user.id), frame.expires_in * 1000));
    });

    if (!pane) return;

    // --- composer ---------------------------------------------------------------------------
    const form = document.getElementById("composer");
    const textarea = document.getElementById("composer-body");
    const replyEl = document.getElementById("composer-reply");
    function setReply(li) {
      if (!replyEl) return;
      replyTo = li ? Number(li.dataset.messageId) : null;
      replyEl.replaceChildren();
      replyEl.hidden = !li;
      if (!li) return;
      const name = li.querySelector(".msg-author")?.textContent || "";
      const cancel = el("button", "link-button", T.cancel);
      cancel.type = "button";
      cancel.addEventListener("click", () => setReply(null));
      replyEl.append(fmt(T.replying_to, { name }), " ", cancel);
      textarea.focus();
    }
    const filesInput = document.getElementById("composer-files");
    const errorEl = document.getElementById("composer-error");
    // The chosen files, shown as chips above the text (name, size, a thumbnail for images, ✕ to
    // take one out) until they are sent; each chip shows its upload's progress.
    const chipsEl = document.getElementById("composer-chips");
    const MAX_FILES = 10;
    let chosen = [];
    function renderChips() {
      if (!chipsEl) return;
      for (const img of chipsEl.querySelectorAll("img")) URL.revokeObjectURL(img.src);
      chipsEl.replaceChildren();
      chipsEl.hidden = chosen.length === 0;
      chosen.forEach((entry, index) => {
        const chip = el("li", "file-chip");
        if (entry.file.type.startsWith("image/")) {
          const img = el("img");
          img.src = URL.createObjectURL(entry.file);
          img.alt = "";
          chip.append(img);
        }
        chip.append(el("span", "file-chip-name", entry.file.name), " ", el("span", "file-chip-size muted", fileSize(entry.file.size)));
        const progress = el("progress", "file-chip-progress");
        progress.max = 100;
        progress.value = 0;
        progress.hidden = true;
        progress.setAttribute("aria-label", fmt(T.uploading, { name: entry.file.name }));
        entry.progress = progress;
        const remove = el("button", "file-chip-remove", "✕");
        remove.type = "button";
        remove.setAttribute("aria-label", fmt(T.remove_file, { name: entry.file.name }));
        remove.title = remove.getAttribute("aria-label");
        remove.addEventListener("click", () => {
          chosen.splice(index, 1);
          renderChips();
          textarea.focus();
        });
        chip.append(progress, remove);
        chipsEl.append(chip);
      });
    }
    filesInput?.addEventListener("change", () => {
      for (const file of filesInput.files || []) if (chosen.length < MAX_FILES) chosen.push({ file });
      filesInput.value = ""; // the chips hold them now (sent by this script, not the form)
      renderChips();
    });
    function uploadOne(entry, token) {
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", form.dataset.uploadUrl);
        xhr.setRequestHeader("X-CSRFToken", token);
        xhr.responseType = "json";
        const progress = entry.progress;
        if (progress) progress.hidden = false;
        xhr.upload.addEventListener("progress", (event) => {
          if (progress && event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
        });
        xhr.addEventListener("load", () => {
          const result = xhr.response || {};
          if (xhr.status >= 200 && xhr.status < 300) {
            if (progress) progress.value = 100;
            resolve(result.id);
            return;
          }
          if (progress) progress.hidden = true;
          const detail = result.detail && typeof result.detail === "object"
            ? Object.values(result.detail).flat().join(" ") : String(result.detail || xhr.status);
          reject(new Error(`${entry.file.name}: ${detail}`));
        });
        xhr.addEventListener("error", () => {
          if (progress) progress.hidden = true;
          reject(new Error(`${entry.file.name}: ${xhr.status || "network error"}`));
        });
        const data = new FormData();
        data.append("file", entry.file);
        xhr.send(data);
      });
    }
    async function uploadFiles() {
      const ids = [];
      const token = form.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
      for (const entry of chosen) {
        if (!entry.id) entry.id = await uploadOne(entry, token); // a retry skips files already up
        ids.push(entry.id);
      }
      return ids;
    }
    // A message not acknowledged yet: "Sending…" while the socket is up, "Waiting to be sent"
    // (with a Cancel button) while it is down; the server's copy replaces it (insert).
    function pendingItem(frame) {
      const li = el("li", "msg msg-mine msg-pending");
      li.dataset.clientId = frame.client_id;
      if (frame.handed) li.dataset.handed = "";
      const meta = el("div", "msg-meta");
      const cancel = el("button", "link-button msg-cancel", T.cancel_send);
      cancel.type = "button";
      cancel.dataset.action = "cancel-send";
      meta.append(el("span", "msg-status"), " ", cancel);
      li.append(meta, el("div", "msg-body", frame.body || "📎"));
      return li;
    }
    // Cancel shows only while the socket is down: realtime.js sends the outbox on its next
    // "hello", always after "online", so a cancelled message is never sent.
    function showPendingState() {
      const waiting = offlineCopy || !rt.connected;
      for (const li of list.querySelectorAll("li.msg-pending")) {
        li.classList.toggle("msg-waiting", waiting);
        const status = li.querySelector(".msg-status");
        if (status) status.textContent = waiting ? T.waiting : T.sending;
        const cancel = li.querySelector(".msg-cancel");
        if (cancel) cancel.hidden = !waiting || "handed" in li.dataset;
      }
    }
    rt.on("online", () => {
      // The next "hello" sends them all (realtime.js).
      if (!offlineCopy) for (const li of list.querySelectorAll("li.msg-pending")) markHanded(li);
      showPendingState();
    });
    rt.on("offline", showPendingState);
    let sending = false;
    async function submit() {
      const body = textarea.value.trim();
      const hasFiles = chosen.length > 0;
      if ((!body && !hasFiles) || sending) return;
      errorEl.hidden = true;
      let attachments = [];
      if (hasFiles) {
        sending = true;
        try {
          attachments = await uploadFiles();
        } catch (error) {
          errorEl.textContent = error.message;
          errorEl.hidden = false;
          return;
        } finally {
          sending = false;
        }
        chosen = [];
        renderChips();
      }
      const clientId = rt.newClientId();
      const frame = { type: "message.send", conversation_id: conversationId, client_id: clientId, body };
      if (attachments.length) frame.attachments = attachments;
      if (replyTo) frame.reply_to = replyTo;
      keepInOutbox(frame);
      const pending = pendingItem(frame);
      list.append(pending);
      if (rt.connected) markHanded(pending);
      showPendingState();
      if (emptyState) emptyState.hidden = true;
      toBottom();
      rt.sendMessage(frame);
      textarea.value = "";
      setReply(null);
    }
    form?.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    textarea?.addEventListener("keydown", (event) => {
      // defaultPrevented: Enter chose an @mention suggestion (mentions.js) rather than sending.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.defaultPrevented) {
        event.preventDefault();
        submit();
      }
    });
    textarea?.addEventListener("input", () => {
      const now = Date.now();
      if (textarea.value.trim() && now - lastTypingSent > TYPING_EVERY_MS) {
        if (rt.send({ type: "typing", conversation_id: conversationId })) lastTypingSent = now;
      }
    });

    // --- message actions --------------------------------------------------------------------
    list.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-action]");
      const li = event.target.closest("li.msg");
      if (!button || !li) return;
      const id = Number(li.dataset.messageId);
      const action = button.dataset.action;
      if (action === "cancel-send") {
        if (!offlineCopy && rt.connected) return; // already on its way
        rt.forget(li.dataset.clientId);
        dropFromOutbox(li.dataset.clientId);
        li.remove();
        textarea?.focus();
        return;
      }
      if (action === "menu") {
        const open = button.getAttribute("aria-expanded") !== "true";
        closeMenus(button);
        button.setAttribute("aria-expanded", String(open));
        const menu = document.getElementById(button.getAttribute("aria-controls"));
        if (menu) {
          menu.hidden = !open;
          if (open) menu.querySelector("summary, button")?.focus();
        }
        return;
      }
      if (button.closest(".msg-actions") && action !== "copy-link") closeMenus();
      if (readOnly && action !== "copy-link" && action !== "versions") return;
      if (action === "toggle-reaction") {
        const type = button.getAttribute("aria-pressed") === "true" ? "reaction.remove" : "reaction.add";
        rt.send({ type, message_id: id, emoji: button.dataset.emoji });
      } else if (action === "add-reaction") {
        rt.send({ type: "reaction.add", message_id: id, emoji: button.dataset.emoji });
        button.closest("details")?.removeAttribute("open");
      } else if (action === "pin") {
        rt.send({ type: "message.pin", message_id: id, pinned: !("pinned" in li.dataset) });
      } else if (action === "reply") {
        setReply(li);
      } else if (action === "edit") {
        const current = li.querySelector(".msg-body")?.textContent || "";
        const body = window.prompt(T.edit_prompt, current);
        if (body && body.trim() && body !== current) rt.send({ type: "message.edit", message_id: id, body });
      } else if (action === "delete") {
        if (window.confirm(T.delete_confirm)) rt.send({ type: "message.delete", message_id: id });
      } else if (action === "versions") {
        const shown = li.querySelector(".msg-versions");
        if (shown) { shown.remove(); return; }
        const response = await fetch(`/api/v1/messages/${id}/versions`, { credentials: "same-origin" });
        if (!response.ok) return;
        const box = el("div", "msg-versions");
        box.append(el("p", "", T.versions));
        for (const version of await response.json()) {
          const item = el("div", "msg-version");
          item.innerHTML = version.html; // sanitised by the server
          box.append(item);
        }
        li.querySelector(".msg-body")?.after(box);
      } else if (action === "copy-link") {
        const url = `${location.origin}${location.pathname}#m-${id}`;
        try { await navigator.clipboard.writeText(url); button.textContent = T.copied; } catch (error) { window.prompt(T.copy_link, url); }
      }
    });

    // Escape closes an open actions menu and gives the focus back to its "…" button; a click
    // elsewhere closes it too.
    list.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const menu = event.target.closest(".msg-actions");
      const li = event.target.closest("li.msg");
      const button = li?.querySelector('.msg-more[aria-expanded="true"]');
      if (!button || (!menu && event.target !== button)) return;
      event.preventDefault();
      closeMenus();
      button.focus();
    });
    document.addEventListener("click", (event) => {
      if (!event.target.closest?.(".msg-actions, .msg-more")) closeMenus();
    });

    // --- older history ----------------------------------------------------------------------
    const older = document.getElementById("load-older");
    let loading = false;
    async function loadOlder() {
      const cursor = pane.dataset.nextCursor;
      if (!cursor || loading) return;
      loading = true;
      try {
        const response = await fetch(`${pane.dataset.historyUrl}?cursor=${encodeURIComponent(cursor)}`, { credentials: "same-origin" });
        if (!response.ok) return;
        const page = await response.json();
        const before = scroller.scrollHeight;
        for (const m of page.items) list.prepend(renderMessage(m));
        scroller.scrollTop += scroller.scrollHeight - before;
        pane.dataset.nextCursor = page.next_cursor || "";
        if (!page.next_cursor && older) older.remove();
      } finally {
        loading = false;
      }
    }
    if (older) {
      older.addEventListener("click", loadOlder);
      if ("IntersectionObserver" in window) {
        new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadOlder(); }, { root: scroller }).observe(older);
      }
    }

    for (const li of list.querySelectorAll("li.msg")) decorate(li);
    // The messages waiting from before a reload, in the order typed: shown, and (from the live
    // page) queued for the socket; one already stored (its acknowledgement lost) is forgotten.
    if (!readOnly) {
      for (const stored of storedOutbox()) {
        if (list.querySelector(`li.msg[data-message-id][data-client-id="${CSS.escape(stored.client_id)}"]`)) {
          dropFromOutbox(stored.client_id);
          continue;
        }
        const pending = pendingItem(stored);
        list.append(pending);
        if (emptyState) emptyState.hidden = true;
        if (offlineCopy) continue;
        const { handed, ...frame } = stored;
        if (rt.connected) markHanded(pending);
        rt.sendMessage(frame);
      }
      showPendingState();
    }
    showReceipt();
    toBottom();
    // A link to a message (a search result, "Copy link"): scrolled to it and highlighted.
    function showTarget() {
      if (!location.hash.startsWith("#m-")) return;
      const target = document.getElementById(location.hash.slice(1));
      if (!target) return;
      for (const old of list.querySelectorAll(".msg-target")) old.classList.remove("msg-target");
      target.classList.add("msg-target");
      target.scrollIntoView({ block: "center" });
    }
    showTarget();
    window.addEventListener("hashchange", showTarget);
  });
})();

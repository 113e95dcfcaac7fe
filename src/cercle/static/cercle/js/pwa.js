// The installable app: registers the service worker (/sw.js), marks a page shown from the
// offline copy, forgets the copies at log out, and turns push notifications on or off for this
// device (the "Devices" part of the notification settings). Every page works without it.
(() => {
  const script = document.currentScript;
  const offlineText = (script && script.dataset.offlineText) || "Offline: read only.";
  const RETRIES = "cercle.offline.retries";

  // A page the service worker served from its copy (see sw.js: it marks <html>): say so, and make
  // it read only — nothing typed there could be sent.
  if (document.documentElement.hasAttribute("data-offline")) {
    const banner = document.createElement("p");
    banner.className = "offline-banner";
    banner.setAttribute("role", "status");
    banner.textContent = offlineText;
    const main = document.getElementById("main") || document.body;
    main.prepend(banner);
    for (const control of document.querySelectorAll("form button, form input, form textarea, form select")) {
      control.disabled = true;
    }
    // Back online: the live page (only when the browser really is, not on a stray event).
    window.addEventListener("online", () => { if (navigator.onLine) window.location.reload(); });
    // Shown from the copy although the browser says it is online (the reload came back before
    // the network or the server did): try again a few times, further apart each time.
    try {
      const tries = Number(sessionStorage.getItem(RETRIES) || 0);
      if (navigator.onLine && tries < 5) {
        sessionStorage.setItem(RETRIES, String(tries + 1));
        setTimeout(() => window.location.reload(), 2000 * (tries + 1));
      }
    } catch (error) { /* no storage: the "online" event alone */ }
  } else {
    try { sessionStorage.removeItem(RETRIES); } catch (error) { /* no storage */ }
  }

  // Log out: the chat's messages waiting to be sent (chat.js) belong to the person leaving.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !/\/accounts\/logout\/?$/.test(new URL(form.action, location.href).pathname)) return;
    try {
      for (const key of Object.keys(localStorage)) if (key.startsWith("cercle.chat.outbox.")) localStorage.removeItem(key);
    } catch (error) { /* no storage: nothing kept */ }
  });

  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => { /* no offline copy */ });

  // Log out: the copies of the pages seen belong to the person leaving.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && /\/accounts\/logout\/?$/.test(new URL(form.action, location.href).pathname)) {
      navigator.serviceWorker.controller?.postMessage({ type: "forget" });
    }
  });

  const box = document.getElementById("push-device");
  if (!box) return;
  const status = document.getElementById("push-status");
  const on = document.getElementById("push-on");
  const off = document.getElementById("push-off");
  const say = (key) => { status.textContent = box.dataset[key] || ""; };
  const csrf = () => {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch { return ""; }
  };
  const send = (url, body) => fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: JSON.stringify(body),
  });
  const keyBytes = (text) => {
    const b64 = (text + "=".repeat((4 - (text.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  };

  if (!("PushManager" in window) || !("Notification" in window)) {
    say("textUnsupported");
    return;
  }

  const show = async () => {
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.getSubscription();
    on.hidden = Boolean(subscription);
    off.hidden = !subscription;
    if (Notification.permission === "denied") {
      on.hidden = true;
      say("textDenied");
    } else {
      say(subscription ? "textOn" : "textOff");
    }
  };

  on.addEventListener("click", async () => {
    on.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        await show();
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.dataset.pushKey),
      });
      const answer = await send(box.dataset.api, subscription.toJSON());
      if (!answer.ok) {
        await subscription.unsubscribe();
        say("textFailed");
        return;
      }
      window.location.reload(); // the list of devices shows this one
    } catch {
      say("textFailed");
    } finally {
      on.disabled = false;
    }
  });

  off.addEventListener("click", async () => {
    off.disabled = true;
    try {
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) {
        await send(box.dataset.unsubscribe, { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      window.location.reload();
    } catch {
      say("textFailed");
    } finally {
      off.disabled = false;
    }
  });

  show().catch(() => say("textUnsupported"));
})();

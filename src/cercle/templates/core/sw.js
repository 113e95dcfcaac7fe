// Cercle's service worker (served at /sw.js, scope "/"): the offline page, the last pages seen
// kept readable offline, and Web Push notifications (payloads: cercle/notifications/push.py).
"use strict";

const PAGES = "cercle-pages-v1";
const STATIC = "cercle-static-v1";
const OFFLINE_URL = "{{ offline_url|escapejs }}";
const MAX_PAGES = 40;
// Pages never kept: signing in and out, the administration, the API, the socket, files.
const NOT_KEPT = ["/accounts/", "/manage/", "/django-admin/", "/api/", "/ws/", "/media/", "/sw.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(PAGES)
      .then((cache) => cache.add(new Request(OFFLINE_URL, { credentials: "omit" })))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== PAGES && n !== STATIC).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

const kept = (url) => url.origin === self.location.origin && !NOT_KEPT.some((p) => url.pathname.startsWith(p));

// A copy shown offline: <html data-offline> tells the page (pwa.js) to say so and to be read only.
async function markedOffline(response) {
  const text = await response.text();
  return new Response(text.replace(/<html([^>]*)>/i, "<html$1 data-offline>"), {
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}

async function rememberPage(request, response) {
  const cache = await caches.open(PAGES);
  await cache.delete(request, { ignoreVary: true }); // re-added last: the newest are kept
  await cache.put(request, response);
  const keys = await cache.keys();
  const pages = keys.filter((r) => new URL(r.url).pathname !== OFFLINE_URL);
  for (const old of pages.slice(0, Math.max(0, pages.length - MAX_PAGES))) await cache.delete(old);
}

async function page(event) {
  const request = event.request;
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && !response.redirected && type.startsWith("text/html") && kept(url)) {
      event.waitUntil(rememberPage(new Request(url.origin + url.pathname + url.search), response.clone()));
    }
    return response;
  } catch (error) {
    const cache = await caches.open(PAGES);
    const copy = url.pathname !== OFFLINE_URL && (await cache.match(url.origin + url.pathname + url.search, { ignoreVary: true }));
    if (copy) return markedOffline(copy);
    const offline = await cache.match(OFFLINE_URL, { ignoreVary: true });
    return offline || Response.error();
  }
}

async function asset(request) {
  const cache = await caches.open(STATIC);
  const copy = await cache.match(request);
  const fresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (copy) {
    fresh.catch(() => {});
    return copy;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  }
});

self.addEventListener("message", (event) => {
  // Log out: forget the pages seen (the offline page holds nothing personal).
  if (event.data && event.data.type === "forget") {
    event.waitUntil(caches.open(PAGES).then(async (cache) => {
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname !== OFFLINE_URL) await cache.delete(request);
      }
    }));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    return;
  }
  if (data.type === "clear") {
    // Read on another device (or in a tab): close it here too. `tags` null: all of them.
    event.waitUntil(self.registration.getNotifications().then((shown) => {
      for (const notification of shown) {
        if (!data.tags || data.tags.includes(notification.tag)) notification.close();
      }
    }));
    return;
  }
  if (data.type !== "notification") return;
  event.waitUntil(self.registration.showNotification(data.title || "Cercle", {
    body: data.body || "",
    tag: data.tag,
    icon: data.icon,
    badge: data.badge,
    lang: data.lang,
    data: { url: data.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const same = windows.find((w) => w.url === target.href);
    if (same) return same.focus();
    const any = windows.find((w) => new URL(w.url).origin === target.origin && "navigate" in w);
    if (any) return any.focus().then((w) => (w || any).navigate(target.href));
    return self.clients.openWindow(target.href);
  }));
});

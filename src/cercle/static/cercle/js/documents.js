// Uploads with a progress bar per file. Small files: each is its own request to the page's form
// (XMLHttpRequest reports upload progress; fetch does not). Large files, and every file of a
// dropped or chosen folder, go in chunks through /api/v1/files/uploads: a lost connection is
// retried from the offset the server gives, and a page reloaded mid-transfer resumes the same
// file where it stopped (the upload's address is kept in localStorage under the file's name,
// size and date). Files and whole folders can be dropped on the form. Without JavaScript the
// form posts every file at once.
(function () {
  "use strict";

  const RETRIES = 8;

  function token(form) {
    return form.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  function fail(row, list, detail) {
    const status = row.querySelector(".status");
    status.textContent = list.dataset.failed + (detail ? " — " + detail : "");
    status.classList.add("failed");
    return false;
  }

  function detailOf(answer) {
    const detail = answer && answer.detail;
    if (!detail) return "";
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map(function (d) { return d.msg || String(d); }).join(" ");
    return Object.values(detail).flat().join(" ");
  }

  function sendOne(form, item, row) {
    return new Promise(function (resolve) {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", token(form));
      data.append("files", item.file, item.file.name);
      const progress = row.querySelector("progress");
      const list = form.querySelector(".documents-progress");
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
      });
      request.addEventListener("load", function () {
        let answer = {};
        try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
        if (request.status >= 200 && request.status < 300) {
          progress.value = 100;
          row.querySelector(".status").textContent = list.dataset.done;
          resolve(true);
        } else {
          resolve(fail(row, list, detailOf(answer)));
        }
      });
      request.addEventListener("error", function () { resolve(fail(row, list, "")); });
      request.send(data);
    });
  }

  // One request; resolves {status, answer} (status 0: the connection was lost).
  function call(form, method, url, body, onProgress) {
    return new Promise(function (resolve) {
      const request = new XMLHttpRequest();
      request.open(method, url);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRFToken", token(form));
      if (body instanceof Blob) {
        request.setRequestHeader("Content-Type", "application/octet-stream");
        if (onProgress) {
          request.upload.addEventListener("progress", function (event) {
            if (event.lengthComputable) onProgress(event.loaded);
          });
        }
      } else if (body !== null) {
        request.setRequestHeader("Content-Type", "application/json");
        body = JSON.stringify(body);
      }
      request.addEventListener("load", function () {
        let answer = {};
        try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
        resolve({ status: request.status, answer: answer });
      });
      request.addEventListener("error", function () { resolve({ status: 0, answer: {} }); });
      request.addEventListener("abort", function () { resolve({ status: 0, answer: {} }); });
      request.send(body);
    });
  }

  function wait(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  function storageKey(form, item) {
    const file = item.file;
    return ["cercle-upload", form.dataset.folderId, item.path, file.name, file.size,
      file.lastModified].join(":");
  }

  function remember(key, value) {
    try {
      if (value) window.localStorage.setItem(key, value);
      else window.localStorage.removeItem(key);
    } catch (error) { /* private browsing: no resuming after a reload */ }
  }

  function remembered(key) {
    try { return window.localStorage.getItem(key); } catch (error) { return null; }
  }

  async function sendChunked(form, item, row) {
    const list = form.querySelector(".documents-progress");
    const progress = row.querySelector("progress");
    const status = row.querySelector(".status");
    const file = item.file;
    const key = storageKey(form, item);
    const chunk = Number(form.dataset.chunkBytes);
    let url = remembered(key);
    let offset = 0;
    if (url) {
      const known = await call(form, "GET", url, null);
      if (known.status === 200) {
        offset = known.answer.offset;
        status.textContent = form.dataset.resumed;
      } else {
        url = null;
      }
    }
    if (!url) {
      const made = await call(form, "POST", form.dataset.chunkedUrl, {
        folder_id: Number(form.dataset.folderId), name: file.name, path: item.path, size: file.size,
      });
      if (made.status !== 201) return fail(row, list, detailOf(made.answer));
      url = made.answer.url;
      remember(key, url);
    }
    let failures = 0;
    while (offset < file.size) {
      progress.value = Math.floor((100 * offset) / file.size);
      const start = offset;
      const piece = file.slice(start, Math.min(file.size, start + chunk));
      const sent = await call(form, "PUT", url + "?offset=" + start, piece, function (loaded) {
        progress.value = Math.floor((100 * (start + loaded)) / file.size);
      });
      if (sent.status === 200 || sent.status === 409) {
        offset = sent.answer.offset;
        failures = 0;
        if (sent.status === 200) status.textContent = "";
        continue;
      }
      if (sent.status === 0 || sent.status >= 500 && sent.status !== 507) {
        // The connection was lost: wait, ask where the upload is, go on from there.
        failures += 1;
        if (failures > RETRIES) return fail(row, list, form.dataset.interrupted);
        status.textContent = form.dataset.retrying;
        await wait(Math.min(30000, 500 * Math.pow(2, failures)));
        const known = await call(form, "GET", url, null);
        if (known.status === 200) offset = known.answer.offset;
        else if (known.status !== 0) { remember(key, null); return fail(row, list, detailOf(known.answer)); }
        continue;
      }
      remember(key, null);
      return fail(row, list, detailOf(sent.answer));
    }
    const done = await call(form, "POST", url + "/finish", null);
    remember(key, null);
    if (done.status !== 201) return fail(row, list, detailOf(done.answer));
    progress.value = 100;
    status.textContent = list.dataset.done;
    return true;
  }

  function rowFor(list, item, index) {
    const row = document.createElement("li");
    const id = "documents-progress-" + index;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = item.path ? item.path + "/" + item.file.name : item.file.name;
    const status = document.createElement("span");
    status.className = "status";
    const progress = document.createElement("progress");
    progress.id = id;
    progress.max = 100;
    progress.value = 0;
    row.append(label, status, progress);
    list.append(row);
    return row;
  }

  function run(form, items) {
    if (!items.length) return;
    const list = form.querySelector(".documents-progress");
    list.textContent = "";
    const rows = items.map(function (item, index) { return rowFor(list, item, index); });
    // The largest file and the room left (data-max-bytes, data-room: the server's figures when
    // the page was made) refuse a file before it is sent; the server checks again anyway.
    const max = Number(form.dataset.maxBytes || 0);
    const chunk = Number(form.dataset.chunkBytes || 0);
    let room = form.dataset.room === undefined ? -1 : Number(form.dataset.room);
    const refusals = items.map(function (item) {
      if (max && item.file.size > max) return form.dataset.tooLarge;
      if (room >= 0) {
        if (item.file.size > room) return form.dataset.noRoom;
        room -= item.file.size;
      }
      return "";
    });
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    // Two files at a time: a folder of hundreds of files does not open hundreds of requests.
    const results = new Array(items.length);
    let next = 0;
    function worker() {
      if (next >= items.length) return Promise.resolve();
      const index = next++;
      const item = items[index];
      let sending;
      if (refusals[index]) sending = Promise.resolve(fail(rows[index], list, refusals[index]));
      else if (item.path || (chunk && item.file.size > chunk)) sending = sendChunked(form, item, rows[index]);
      else sending = sendOne(form, item, rows[index]);
      return sending.then(function (ok) { results[index] = ok; return worker(); });
    }
    Promise.all([worker(), worker()]).then(function () {
      button.disabled = false;
      if (results.every(Boolean)) window.location.reload();
    });
  }

  function fromInput(input) {
    return Array.from(input.files).map(function (file) {
      const relative = file.webkitRelativePath || "";
      return { file: file, path: relative.split("/").slice(0, -1).join("/") };
    });
  }

  // A dropped folder's files, with the folders under it as their path.
  function readEntry(entry, path, out) {
    return new Promise(function (resolve) {
      if (entry.isFile) {
        entry.file(function (file) { out.push({ file: file, path: path }); resolve(); },
          function () { resolve(); });
        return;
      }
      if (!entry.isDirectory) { resolve(); return; }
      const reader = entry.createReader();
      const inside = path ? path + "/" + entry.name : entry.name;
      const entries = [];
      (function more() {
        reader.readEntries(function (batch) {
          if (!batch.length) {
            Promise.all(entries.map(function (e) { return readEntry(e, inside, out); })).then(resolve);
            return;
          }
          entries.push.apply(entries, batch);
          more();
        }, function () { resolve(); });
      })();
    });
  }

  function start(form) {
    const fileInput = form.querySelector("input[type=file]:not([webkitdirectory])");
    const folderInput = form.querySelector("input[webkitdirectory]");
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      const items = fromInput(fileInput).concat(folderInput ? fromInput(folderInput) : []);
      if (!items.length) return;
      event.preventDefault();
      run(form, items);
    });
    form.addEventListener("dragover", function (event) {
      event.preventDefault();
      form.classList.add("documents-dragging");
    });
    form.addEventListener("dragleave", function () { form.classList.remove("documents-dragging"); });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("documents-dragging");
      const transfer = event.dataTransfer;
      const entries = Array.from(transfer.items || [])
        .map(function (item) { return item.webkitGetAsEntry ? item.webkitGetAsEntry() : null; })
        .filter(Boolean);
      if (!entries.length) {
        run(form, Array.from(transfer.files).map(function (file) { return { file: file, path: "" }; }));
        return;
      }
      const items = [];
      Promise.all(entries.map(function (entry) { return readEntry(entry, "", items); }))
        .then(function () { run(form, items); });
    });
  }

  document.querySelectorAll("form[data-documents-upload]").forEach(start);
})();

// Uploads with a progress bar per file: each file is its own request (XMLHttpRequest reports
// upload progress; fetch does not). Without JavaScript the form posts every file at once.
(function () {
  "use strict";

  function sendOne(form, file, row) {
    return new Promise(function (resolve) {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.append("files", file, file.name);
      const progress = row.querySelector("progress");
      const status = row.querySelector(".status");
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
          status.textContent = list.dataset.done;
          resolve(true);
        } else {
          status.textContent = list.dataset.failed + (answer.detail ? " — " + answer.detail : "");
          status.classList.add("failed");
          resolve(false);
        }
      });
      request.addEventListener("error", function () {
        status.textContent = list.dataset.failed;
        status.classList.add("failed");
        resolve(false);
      });
      request.send(data);
    });
  }

  function start(form) {
    form.addEventListener("submit", function (event) {
      const input = form.querySelector("input[type=file]");
      if (!input.files.length || !window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      const list = form.querySelector(".documents-progress");
      list.textContent = "";
      const files = Array.from(input.files);
      const rows = files.map(function (file, index) {
        const row = document.createElement("li");
        const id = "documents-progress-" + index;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = file.name;
        const status = document.createElement("span");
        status.className = "status";
        const progress = document.createElement("progress");
        progress.id = id;
        progress.max = 100;
        progress.value = 0;
        row.append(label, status, progress);
        list.append(row);
        return row;
      });
      // The largest file and the room left (data-max-bytes, data-room: the server's figures when
      // the page was made) refuse a file before it is sent; the server checks again anyway.
      const max = Number(form.dataset.maxBytes || 0);
      let room = form.dataset.room === undefined ? -1 : Number(form.dataset.room);
      const refusals = files.map(function (file) {
        if (max && file.size > max) return form.dataset.tooLarge;
        if (room >= 0) {
          if (file.size > room) return form.dataset.noRoom;
          room -= file.size;
        }
        return "";
      });
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      Promise.all(files.map(function (file, index) {
        if (refusals[index]) {
          const status = rows[index].querySelector(".status");
          status.textContent = list.dataset.failed + " — " + refusals[index];
          status.classList.add("failed");
          return Promise.resolve(false);
        }
        return sendOne(form, file, rows[index]);
      }))
        .then(function (results) {
          button.disabled = false;
          if (results.every(Boolean)) window.location.reload();
        });
    });
  }

  document.querySelectorAll("form[data-documents-upload]").forEach(start);
})();

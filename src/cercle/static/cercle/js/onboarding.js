// The checklist's "on my home screen" step, ticked by itself when Cercle runs as an installed app
// (display-mode standalone) or the browser says it was just installed.
(function () {
  "use strict";
  const form = document.querySelector("form[data-onboarding-installed]");
  if (!form) return;
  const report = () => {
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Cercle-Background": "1" },
      body: new FormData(form),
    }).catch(() => { /* offline: the button stays */ });
  };
  if (window.matchMedia("(display-mode: standalone)").matches || navigator.standalone) report();
  window.addEventListener("appinstalled", report);
})();

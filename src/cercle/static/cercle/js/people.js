// The directory: its search and filters are folded on a phone, so that the results come first,
// and open on a wider screen, where they fit above the results.
(function () {
  "use strict";
  if (window.matchMedia("(min-width: 40rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }
})();

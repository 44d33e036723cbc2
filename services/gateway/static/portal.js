/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  // Don't let a double click post a form twice.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();

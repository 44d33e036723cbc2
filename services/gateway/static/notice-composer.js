/* The notice composer's live audience count: whenever an audience field changes, ask the
   portal (same session cookie) how many enterprises the audience reaches. */
(function () {
  "use strict";
  var form = document.getElementById("notice-form");
  var out = document.getElementById("audience-count");
  if (!form || !out) { return; }
  var box = document.getElementById("audience");
  var fields = ["everyone", "division_codes", "industry_codes", "sizes", "roles", "enterprise_ids"];
  var seq = 0;
  var timer = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (fields.indexOf(name) >= 0 && value) { params.append(name, value); }
    });
    return params.toString();
  }

  function refresh() {
    var mine = ++seq;  // only the newest answer is shown
    fetch(out.dataset.url + "?" + query(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== seq) { return; }
        if (data.enterprises === null || data.enterprises === undefined) {
          out.textContent = data.message || "—";
          out.classList.add("error");
        } else {
          out.textContent = out.dataset.template.replace("{n}", data.enterprises);
          out.classList.remove("error");
          out.dataset.count = data.enterprises;
        }
      })
      .catch(function () { if (mine === seq) { out.textContent = "—"; } });
  }

  box.addEventListener("change", refresh);
  box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
  refresh();
})();

/* The score sheet's running total, updated as the judge types. The service checks the maxima. */
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  var output = document.getElementById("score-total");
  if (!form || !output) { return; }
  var inputs = form.querySelectorAll("input.score-item");
  function update() {
    var total = 0;
    var over = false;
    inputs.forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { total += value; }
      if (!isNaN(value) && input.max !== "" && value > parseFloat(input.max)) { over = true; }
    });
    // Round away binary noise (0.1 + 0.2) without hiding real decimals.
    output.textContent = String(Math.round(total * 100) / 100);
    output.classList.toggle("over", over);
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();

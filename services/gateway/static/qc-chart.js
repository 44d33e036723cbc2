/* The leaderboard's bar chart; the data is in the canvas's data-chart attribute (no inline script under the CSP). */
(function () {
  "use strict";
  var canvas = document.getElementById("leaderboard-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.getAttribute("data-chart"));
  if (!data.scores.length) { canvas.parentNode.hidden = true; return; }
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: canvas.getAttribute("data-label"), data: data.scores }] },
    options: { animation: false, indexAxis: "y", scales: { x: { min: 0, max: 100 } } }
  });
})();

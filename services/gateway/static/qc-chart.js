/* The leaderboard's bar chart; the data is in the canvas's data-chart attribute (no inline script under the CSP). */
(function () {
  "use strict";
  var canvas = document.getElementById("leaderboard-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.getAttribute("data-chart"));
  if (!data.scores.length) { canvas.parentNode.hidden = true; return; }
  // One bar per entry: the box grows with the entries instead of keeping the canvas's aspect ratio.
  canvas.parentNode.style.position = "relative";
  canvas.parentNode.style.height = (80 + 28 * data.scores.length) + "px";
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: canvas.getAttribute("data-label"), data: data.scores }] },
    options: { animation: false, indexAxis: "y", maintainAspectRatio: false, scales: { x: { min: 0, max: 100 } } }
  });
})();

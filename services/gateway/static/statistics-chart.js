/* Statistics by division on a Chart.js bar chart; the data sit in the canvas's data-chart. */
(function () {
  "use strict";
  var canvas = document.getElementById("division-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.dataset.chart || "null");
  if (!data) { return; }
  var colours = { confirmed: "#2563eb", waitlisted: "#f59e0b", attended: "#16a34a" };
  var datasets = Object.keys(colours).map(function (key) {
    return { label: canvas.dataset["label" + key.charAt(0).toUpperCase() + key.slice(1)],
             data: data.series[key], backgroundColor: colours[key] };
  });
  canvas.chart = new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
               scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  canvas.dataset.rendered = "1";
})();

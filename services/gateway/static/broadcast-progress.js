/* Broadcast progress: poll the portal's JSON every second while the broadcast runs, then every few seconds
   (reads keep coming in). Without this file the page shows the state when it was loaded. */
(function () {
  "use strict";
  var box = document.getElementById("broadcast");
  if (!box) { return; }
  var state = document.getElementById("broadcast-state");

  function show(data) {
    Object.keys(data.channels).forEach(function (name) {
      var row = box.querySelector('tr[data-channel="' + name + '"]');
      if (!row) { return; }
      row.querySelectorAll("td[data-key]").forEach(function (cell) {
        cell.textContent = data.channels[name][cell.dataset.key];
      });
    });
    box.dataset.running = data.running ? "1" : "0";
    state.textContent = data.running ? state.dataset.running : state.dataset.done;
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        show(data);
        box.dataset.polled = String(Number(box.dataset.polled || 0) + 1);
        setTimeout(poll, data.running ? 1000 : 3000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }

  setTimeout(poll, box.dataset.running === "1" ? 500 : 3000);
})();

// The board: refresh the number of maps sent every few seconds.
(function () {
  "use strict";
  var board = document.querySelector("[data-count-url]");
  if (!board) { return; }
  var count = document.getElementById("map-count");
  var plural = document.getElementById("map-plural");
  function refresh() {
    fetch(board.dataset.countUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (s) { count.textContent = s.maps; plural.textContent = s.maps === 1 ? "" : "s"; }
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
}());

// The due list: "nearest to me first" uses the worker's location (workers' pages only).
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var status = document.getElementById("near-status");
  if (button) {
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = "This device cannot share its location."; return; }
      status.textContent = "Finding where you are...";
      navigator.geolocation.getCurrentPosition(function (position) {
        var url = button.dataset.url + "?lat=" + position.coords.latitude.toFixed(5) +
          "&lon=" + position.coords.longitude.toFixed(5);
        window.location.assign(url);
      }, function () { status.textContent = "Your location is not available."; },
      { enableHighAccuracy: true, timeout: 15000 });
    });
  }
  var print = document.querySelector("[data-print]");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
}());

// New-session page: preview the default area (1.5 km round the school) or draw another one.
(function () {
  "use strict";
  var box = document.getElementById("area-map");
  if (!box || !window.L) { return; }
  var input = document.getElementById(box.dataset.input);
  var school = document.getElementById("school");
  var map = L.map(box).setView([51.45, -0.02], 13);
  L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  var preview = null, drawn = null;

  function showSchool() {
    if (!school.value) { return; }
    fetch("/api/v1/schools/" + encodeURIComponent(school.value), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        if (preview) { map.removeLayer(preview); }
        preview = L.circle([s.lat, s.lon], { radius: 1500, color: "#0b4f8a", dashArray: "6 4", fill: false });
        if (!drawn) { preview.addTo(map); map.fitBounds(preview.getBounds()); }
      });
  }
  school.addEventListener("change", showSchool);
  showSchool();

  map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
    drawRectangle: true, drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false });
  map.on("pm:create", function (event) {
    if (drawn) { map.removeLayer(drawn); }
    drawn = event.layer;
    if (preview) { map.removeLayer(preview); }
    input.value = JSON.stringify(drawn.toGeoJSON().geometry);
    drawn.on("pm:edit", function () { input.value = JSON.stringify(drawn.toGeoJSON().geometry); });
  });
  if (input.value) {
    try { drawn = L.geoJSON(JSON.parse(input.value)).addTo(map); map.fitBounds(drawn.getBounds()); } catch (e) { input.value = ""; }
  }
  document.querySelector("[data-clear-area]").addEventListener("click", function () {
    if (drawn) { map.removeLayer(drawn); drawn = null; }
    input.value = "";
    showSchool();
  });
}());

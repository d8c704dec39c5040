// Session page: draw a named place on the session's map (Folium's Leaflet map + Geoman).
(function () {
  "use strict";
  var element = document.querySelector(".folium-map");
  var map = element && window[element.id];
  var input = document.getElementById("place-area");
  var status = document.getElementById("place-status");
  if (!map || !map.pm || !input) { return; }
  var drawn = null;
  map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
    drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false });
  map.on("pm:create", function (event) {
    if (drawn) { map.removeLayer(drawn); }
    drawn = event.layer;
    input.value = JSON.stringify(drawn.toGeoJSON().geometry);
    status.textContent = "Place drawn. Now give it a name and add it.";
  });
  document.getElementById("place-form").addEventListener("submit", function (event) {
    if (!input.value) { event.preventDefault(); status.textContent = "Draw the place on the map first."; }
  });
}());

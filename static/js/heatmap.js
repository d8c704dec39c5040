// The planners' heatmap: published cells from our vector tiles, drawn on canvas.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("heat-config").textContent);
  var status = document.getElementById("heat-status");
  var map = L.map("heat-map", { preferCanvas: true }).fitBounds(config.bounds);
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  L.geoJSON(config.outline, { style: { color: "#0b4f8a", weight: 2, fill: false, dashArray: "6 4" },
    interactive: false }).addTo(map);

  function colour(rate) {
    if (rate >= 0.6) { return "#cb181d"; }
    if (rate >= 0.4) { return "#fb6a4a"; }
    if (rate >= 0.2) { return "#fcae91"; }
    return "#fee5d9";
  }
  var cells = L.vectorGrid.protobuf(config.heatTiles, {
    rendererFactory: L.canvas.tile, interactive: true, maxNativeZoom: 18,
    vectorTileLayerStyles: { heatmap: function (p) {
      return { fill: true, fillColor: colour(p.rate), fillOpacity: 0.75, color: "#444", weight: 0.5 };
    } }
  }).addTo(map);
  cells.on("click", function (event) {
    var p = event.layer.properties;
    var text = document.createElement("div");
    text.textContent = "About " + p.pupils + " of " + p.coverage + " pupils (" +
      Math.round(p.rate * 100) + "%) feel " + (config.kind === "unsafe" ? "unsafe" : "safe") + " here.";
    L.popup().setLatLng(event.latlng).setContent(text).openOn(map);
    status.textContent = text.textContent;
  });
  cells.on("load", function () { status.textContent = "Map loaded."; });

  function points(url, style) {
    fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        L.geoJSON(data, { pointToLayer: function (f, latlng) {
          var marker = L.circleMarker(latlng, style);
          var label = document.createElement("span");
          label.textContent = f.properties.name;
          marker.bindTooltip(label);
          return marker;
        } }).addTo(map);
      });
  }
  points(config.schools, { radius: 5, color: "#fff", weight: 1, fillColor: "#1d4ed8", fillOpacity: 1 });
  points(config.havens, { radius: 4, color: "#fff", weight: 1, fillColor: "#1e6b34", fillOpacity: 1 });
}());

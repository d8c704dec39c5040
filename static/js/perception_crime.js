// Pupils' feelings against recorded crime: hexagons drawn by category (colour and outline).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("crime-config").textContent);
  var status = document.getElementById("crime-status");
  var map = L.map("crime-map");
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  map.fitBounds(config.bounds);

  var styles = {};
  config.legend.forEach(function (row) { styles[row.key] = row; });

  L.geoJSON(config.outline, {
    style: { color: "#333", weight: 2, fill: false, dashArray: "8 6" }, interactive: false
  }).addTo(map);

  // Text only (textContent): place names come from police.uk files.
  function describe(feature) {
    var p = feature.properties;
    return p.category_label + ". " + p.summary;
  }

  var shapes = {};
  var cells = L.geoJSON(config.cells, {
    style: function (feature) {
      var row = styles[feature.properties.category];
      return { fillColor: row.colour, fillOpacity: 0.6, color: "#222", weight: row.weight,
        dashArray: row.dash || null };
    },
    onEachFeature: function (feature, shape) {
      shapes[feature.id] = shape;
      shape.on("click", function () { show(feature.id, false); });
    }
  }).addTo(map);

  function show(id, zoom) {
    var shape = shapes[id];
    if (!shape) { return; }
    var box = document.createElement("p");
    box.textContent = describe(shape.feature);
    if (zoom) { map.fitBounds(shape.getBounds(), { maxZoom: 16 }); }
    L.popup().setLatLng(shape.getBounds().getCenter()).setContent(box).openOn(map);
    status.textContent = box.textContent;
  }

  document.querySelectorAll("button.show-cell").forEach(function (button) {
    button.addEventListener("click", function () {
      document.getElementById("crime-map").scrollIntoView({ block: "center" });
      show(button.getAttribute("data-cell"), true);
    });
  });

  status.textContent = config.cells.features.length + " hexagons shown.";
  if (!cells.getLayers().length) {
    status.textContent = "No hexagon has published pupils' answers or recorded crime for these filters.";
  }
}());

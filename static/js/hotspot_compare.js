// Two terms compared: hexagons drawn by change (colour and outline), hot-spot outlines on top.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("compare-config").textContent);
  var status = document.getElementById("compare-status");
  var map = L.map("compare-map", { preferCanvas: false });
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  map.fitBounds(config.bounds);

  function styles(legend) {
    var found = {};
    legend.forEach(function (row) { found[row.key] = row; });
    return found;
  }
  var cellStyles = styles(config.cell_legend);
  var areaStyles = styles(config.area_legend);
  function drawn(row) {
    return { fillColor: row.colour, fillOpacity: row.fill, color: "#222", weight: row.weight,
      dashArray: row.dash || null };
  }

  L.geoJSON(config.outline, {
    style: { color: "#0b4f8a", weight: 2, fill: false, dashArray: "6 4" }, interactive: false
  }).addTo(map);

  var shapes = {};
  function say(shape, words, zoom) {
    var box = document.createElement("p");
    box.textContent = words;  // text only: never HTML
    if (zoom) { map.fitBounds(shape.getBounds(), { maxZoom: 16 }); }
    L.popup().setLatLng(shape.getBounds().getCenter()).setContent(box).openOn(map);
    status.textContent = words;
  }
  function areaWords(p) {
    return p.label + ": hot spot ranked " + p.rank + (p.ward ? " in " + p.ward : "") + ".";
  }

  var cells = L.geoJSON(config.cells, {
    style: function (feature) { return drawn(cellStyles[feature.properties.change]); },
    onEachFeature: function (feature, shape) {
      shapes["cell:" + feature.properties.id] = shape;
      shape.on("click", function () { say(shape, feature.properties.summary, false); });
    }
  }).addTo(map);
  var areas = L.geoJSON(config.areas, {
    style: function (feature) { return drawn(areaStyles[feature.properties.change]); },
    onEachFeature: function (feature, shape) {
      shapes["area:" + feature.id] = shape;
      shape.on("click", function () { say(shape, areaWords(feature.properties), false); });
    }
  }).addTo(map);
  if (areas.getLayers().length) {
    map.fitBounds(areas.getBounds().pad(0.5), { maxZoom: 15 });
  } else if (cells.getLayers().length) {
    map.fitBounds(cells.getBounds().pad(0.2), { maxZoom: 15 });
  }

  function showFrom(selector, prefix, attribute, words) {
    document.querySelectorAll(selector).forEach(function (button) {
      button.addEventListener("click", function () {
        var shape = shapes[prefix + button.getAttribute(attribute)];
        if (!shape) { return; }
        document.getElementById("compare-map").scrollIntoView({ block: "center" });
        say(shape, words(shape.feature.properties), true);
      });
    });
  }
  showFrom("button.show-cell", "cell:", "data-cell", function (p) { return p.summary; });
  showFrom("button.show-area", "area:", "data-area", areaWords);

  status.textContent = config.cells.features.length + " hexagons and " +
    config.areas.features.length + " hot spots shown.";
}());

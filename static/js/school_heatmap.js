// A school's own heatmap, with the other schools' hexagons as a layer to compare.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("school-heat-config").textContent);
  var status = document.getElementById("school-heat-status");
  var map = L.map("school-heat-map");
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);

  function colour(value) {
    var chosen = config.legend[0].colour;
    config.legend.forEach(function (row) { if (value >= row.lower) { chosen = row.colour; } });
    return chosen;
  }
  function percent(share) { return Math.round(share * 100) + "%"; }
  function describe(p, who) {
    var text = who + ": about " + p.pupils + " of " + p.coverage + " pupils (" + percent(p.rate) +
      ") feel " + config.kind + " here.";
    if (p.others_rate !== undefined && p.others_rate !== null) {
      text += " At other schools: " + percent(p.others_rate) + ".";
    }
    return text;
  }
  function layer(collection, style, who) {
    return L.geoJSON(collection, {
      style: style,
      onEachFeature: function (feature, shape) {
        shape.on("click", function (event) {
          var box = document.createElement("p");
          box.textContent = describe(feature.properties, who);
          L.popup().setLatLng(event.latlng).setContent(box).openOn(map);
          status.textContent = box.textContent;
        });
      }
    });
  }
  var mine = layer(config.layers.school, function (f) {
    return { fillColor: colour(f.properties.rate), fillOpacity: 0.75, color: "#444", weight: 0.5 };
  }, "Your pupils");
  var others = layer(config.layers.others, function () {
    return { fill: false, color: "#0b4f8a", weight: 2, dashArray: "4 3" };
  }, "Other schools");
  L.control.layers(null, { "Your school": mine, "Other schools": others }, { collapsed: false })
    .addTo(map);

  var school = config.school;
  var bounds = mine.getBounds();  // the view must be set before any layer is added
  if (bounds.isValid()) { map.fitBounds(bounds.pad(0.3)); }
  else if (school) { map.setView([school.lat, school.lon], 15); }
  mine.addTo(map);
  if (school) {
    var marker = L.circleMarker([school.lat, school.lon], { radius: 7, color: "#fff", weight: 2,
      fillColor: "#1d4ed8", fillOpacity: 1 }).addTo(map);
    var label = document.createElement("span");
    label.textContent = school.name;
    marker.bindTooltip(label);
  }
  status.textContent = config.layers.school.features.length + " hexagons shown.";
}());

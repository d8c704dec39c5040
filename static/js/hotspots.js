// Planners' hot spots: one overview map of the ranked areas, and a small map for each.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("hotspot-config").textContent);
  var FILL = { hot_99: "#7f1d1d", hot_95: "#b91c1c", hot_90: "#f87171",
    cold_90: "#93c5fd", cold_95: "#3b82f6", cold_99: "#1e3a8a" };

  function base(element, options) {
    var map = L.map(element, options || {});
    L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    return map;
  }
  function cells(filter) {
    return L.geoJSON(config.cells, {
      filter: filter,
      style: function (f) {
        return { color: "#ffffff", weight: 0.5, fillColor: FILL[f.properties["class"]],
          fillOpacity: 0.65 };
      },
      interactive: false
    });
  }
  function areaOutline(filter) {
    return L.geoJSON(config.areas, {
      filter: filter,
      style: { color: "#111827", weight: 2.5, fill: false }
    });
  }
  function havenMarker(haven) {
    return L.marker([haven.lat, haven.lon], {
      title: "Safe Haven: " + haven.name,
      icon: L.divIcon({ className: "haven-mark", html: "H", iconSize: [20, 20] })
    });
  }

  var overview = base("hotspot-map", { preferCanvas: true }).fitBounds(config.bounds);
  if (config.areas.features.length) {  // close enough to see the areas, with the borough round
    overview.fitBounds(L.geoJSON(config.areas).getBounds().pad(0.5), { maxZoom: 15 });
  }
  L.geoJSON(config.outline, { style: { color: "#0b4f8a", weight: 2, fill: false,
    dashArray: "6 4" }, interactive: false }).addTo(overview);
  cells().addTo(overview);
  areaOutline().eachLayer(function (layer) {
    var rank = layer.feature.properties.rank;
    layer.bindTooltip(String(rank), { permanent: true, direction: "center",
      className: "area-rank" });
    layer.on("click", function () {
      var item = document.getElementById("area-" + rank);
      if (item) { item.scrollIntoView(); item.focus(); }
    });
    layer.addTo(overview);
  });
  config.havens.forEach(function (haven) { havenMarker(haven).addTo(overview); });

  document.querySelectorAll(".hotspot-map").forEach(function (element) {
    var rank = Number(element.getAttribute("data-rank"));
    var map = base(element, { zoomControl: false, scrollWheelZoom: false, keyboard: false });
    var outline = areaOutline(function (f) { return f.properties.rank === rank; }).addTo(map);
    cells(function (f) { return f.properties.area === rank; }).addTo(map);
    config.havens.filter(function (h) { return h.rank === rank; })
      .forEach(function (haven) { havenMarker(haven).addTo(map); });
    map.fitBounds(outline.getBounds().pad(0.6));
  });
})();

// The planners' heatmap: published cells from our vector tiles, drawn on canvas.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("heat-config").textContent);
  var status = document.getElementById("heat-status");
  var map = L.map("heat-map", { preferCanvas: true }).fitBounds(config.bounds);
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  L.geoJSON(config.outline, { style: { color: "#0b4f8a", weight: 2, fill: false, dashArray: "6 4" },
    interactive: false }).addTo(map);

  function valueOf(p) { return config.kind === "net" ? p.net : p.rate; }
  function colour(value) {
    var chosen = config.legend[0].colour;
    config.legend.forEach(function (row) { if (value >= row.lower) { chosen = row.colour; } });
    return chosen;
  }
  function resolutionFor(zoom) {  // the server's table, so clicks ask for the drawn cells
    for (var k = 0; k < config.cellsByZoom.length; k += 1) {
      if (zoom <= config.cellsByZoom[k][0]) { return config.cellsByZoom[k][1]; }
    }
    return config.cellsByZoom[config.cellsByZoom.length - 1][1];
  }
  function percent(share) { return Math.round(share * 100) + "%"; }

  function headline(p) {
    if (config.kind === "net") {
      return "About " + p.unsafe + " feel unsafe and " + p.safe + " feel safe, of " +
        p.coverage + " pupils who could have marked this place.";
    }
    var words = config.kind === "unsafe" ? "unsafe" : "safe";
    var share = p.weighting === "schools" ? " (" + percent(p.rate) + " on average across schools)"
      : " (" + percent(p.rate) + ")";
    return "About " + p.pupils + " of " + p.coverage + " pupils" + share + " feel " + words + " here.";
  }
  function paragraph(parent, text, tag) {
    var node = document.createElement(tag || "p");
    node.textContent = text;
    parent.appendChild(node);
    return node;
  }
  function list(parent, title, items) {
    if (!items.length) { return; }
    paragraph(parent, title, "strong");
    var ul = document.createElement("ul");
    items.slice(0, 3).forEach(function (item) {
      paragraph(ul, item.label + ": about " + item.pupils, "li");
    });
    parent.appendChild(ul);
  }
  function details(box, data) {
    Object.keys(data.breakdown).forEach(function (side) {
      var part = data.breakdown[side];
      var who = side === "unsafe" ? "feel unsafe" : "feel safe";
      list(box, "Why pupils " + who, part.reasons);
      list(box, "When pupils " + who, part.times);
    });
    paragraph(box, "Reasons or times given by too few pupils are not shown.", "small");
  }

  // Cells are found by where the map was clicked, on the server: VectorGrid's own canvas
  // clicks do not work with Leaflet 1.8+ (Leaflet.VectorGrid issue 274).
  var cells = L.vectorGrid.protobuf(config.heatTiles, {
    rendererFactory: L.canvas.tile, interactive: false, maxNativeZoom: 18,
    vectorTileLayerStyles: { heatmap: function (p) {
      return { fill: true, fillColor: colour(valueOf(p)), fillOpacity: 0.75, color: "#444", weight: 0.5 };
    } }
  }).addTo(map);
  // Announce the first load only: later tile loads (panning) must not talk over a cell's numbers.
  cells.once("load", function () {
    if (!status.textContent) { status.textContent = "Map loaded."; }
  });

  map.on("click", function (event) {
    var box = document.createElement("div");
    box.className = "heat-popup";
    var url = config.cellAt + (config.cellAt.indexOf("?") < 0 ? "?" : "&") +
      "cell=" + resolutionFor(map.getZoom()) + "&lon=" + event.latlng.lng.toFixed(6) +
      "&lat=" + event.latlng.lat.toFixed(6);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) {
          paragraph(box, headline(data));
          details(box, data);
        } else {
          paragraph(box, "Too few answers here to show.");
        }
        L.popup({ maxWidth: 320 }).setLatLng(event.latlng).setContent(box).openOn(map);
        status.textContent = box.textContent;
      });
  });

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

// The pupils' drawing page: mark areas, routes and spots (or named places) safe or unsafe,
// answer a few questions about each, check and send. Works on flaky school wifi: the drawing is
// kept in localStorage after every change and sent once (one Idempotency-Key per drawing).
//
// Privacy: this page never asks for the device's location and talks only to our own server
// (plus the basemap tiles). Everything a pupil typed is shown back with textContent only.
(function () {
  "use strict";

  var configElement = document.getElementById("map-config");
  if (!configElement || !window.L || !L.PM) { return; }
  var config = JSON.parse(configElement.textContent);
  var vocabulary = config.vocabulary;
  var limits = vocabulary.limits || { comment: 300, other: 200, zones: 50 };
  var places = config.places || [];

  var RETRY_MS = 10000;
  var TIMEOUT_MS = 30000;
  var OFFLINE = "No internet right now. Your map is saved on this device. " +
    "We will send it as soon as the internet is back.";
  var OFFLINE_NOT_SAVED = "No internet right now. Keep this page open: " +
    "we will send your map as soon as the internet is back.";
  var RETRYING = "Your map is saved on this device. We will try again by ourselves in a moment.";
  var RETRYING_NOT_SAVED = "Keep this page open: we will try again by ourselves in a moment.";
  var THANKS = "Thank you! Your map has been sent.";
  var COLOURS = { safe: "#1e6b34", unsafe: "#b00020", none: "#4a4a4a" };
  var SHAPES = {
    area: { draw: "Polygon", noun: "area", label: "An area" },
    route: { draw: "Line", noun: "route", label: "A route" },
    spot: { draw: "Marker", noun: "spot", label: "A spot" },
    place: { draw: null, noun: "place", label: "A place from the list" }
  };
  var MODE_TEXT = {
    area: "Tap the map to add corners. To finish, tap the first corner again or press Finish.",
    route: "Tap the map along the way. To finish, tap the last point again or press Finish.",
    spot: "Tap the map where the spot is (or move the map and press \u201cPut it at +\u201d).",
    "edit-area": "Drag the white dots to change the shape. Press Done when it looks right.",
    "edit-route": "Drag the white dots to change the route. Press Done when it looks right.",
    "edit-spot": "Drag the spot to move it, or move the map and press \u201cMove to +\u201d. " +
      "Press Done when it is right."
  };
  var POINT_TEXT = { area: "Corner at +", route: "Point at +", spot: "Put it at +",
    "edit-spot": "Move to +" };

  function byId(id) { return document.getElementById(id); }
  function labels(items) {
    var found = {};
    (items || []).forEach(function (item) { found[item.key] = item.label; });
    return found;
  }
  var LABELS = { safe: labels(vocabulary.safe), unsafe: labels(vocabulary.unsafe),
    times: labels(vocabulary.times), suggestions: labels(vocabulary.suggestions) };
  var placeNames = {};
  places.forEach(function (place) { placeNames[place.id] = place.name; });

  // ---- saved state ------------------------------------------------------------------------

  var state = { zones: [], pending: null, seq: 0 };
  var storageWorks = true;

  function isZone(zone) {
    if (!zone || typeof zone !== "object" || !SHAPES[zone.shape] || typeof zone.id !== "string") {
      return false;
    }
    if (zone.shape === "place") { return Object.prototype.hasOwnProperty.call(placeNames, zone.place); }
    return !!(zone.geometry && Array.isArray(zone.geometry.coordinates));
  }

  function tidyZone(zone) {
    function list(value) { return Array.isArray(value) ? value.filter(function (v) { return typeof v === "string"; }) : []; }
    return { id: zone.id, shape: zone.shape, geometry: zone.shape === "place" ? null : zone.geometry,
      place: zone.shape === "place" ? zone.place : undefined,
      kind: zone.kind === "safe" || zone.kind === "unsafe" ? zone.kind : null,
      reasons: list(zone.reasons), times: list(zone.times), suggestions: list(zone.suggestions),
      suggestion_other: typeof zone.suggestion_other === "string" ? zone.suggestion_other : "",
      comment: typeof zone.comment === "string" ? zone.comment : "" };
  }

  function load() {
    var saved = null;
    try {
      saved = JSON.parse(window.localStorage.getItem(config.sessionKey) || "null");
    } catch (error) {
      saved = null;
    }
    if (!saved || !Array.isArray(saved.zones)) { return false; }
    state.zones = saved.zones.filter(isZone).map(tidyZone).slice(0, limits.zones);
    state.seq = typeof saved.seq === "number" ? saved.seq : state.zones.length;
    var pending = saved.pending;
    state.pending = pending && typeof pending.key === "string" && typeof pending.body === "string"
      ? { key: pending.key, body: pending.body } : null;
    return state.zones.length > 0;
  }

  function save() {
    try {
      window.localStorage.setItem(config.sessionKey, JSON.stringify({
        version: 1, zones: state.zones, pending: state.pending, seq: state.seq,
        savedAt: new Date().toISOString() }));
      storageWorks = true;
    } catch (error) {
      storageWorks = false;
    }
  }

  function forget() {
    state = { zones: [], pending: null, seq: 0 };
    try { window.localStorage.removeItem(config.sessionKey); } catch (error) { /* nothing saved */ }
  }

  // The drawing changed: save it, and a later Send is a new drawing with a new key.
  function changed() {
    state.pending = null;
    problem = null;
    stopRetrying();
    save();
    render();
  }

  function findZone(id) {
    for (var i = 0; i < state.zones.length; i += 1) {
      if (state.zones[i].id === id) { return state.zones[i]; }
    }
    return null;
  }
  function numberOf(zone) {
    var index = state.zones.indexOf(zone);
    return index >= 0 ? index + 1 : state.zones.length + 1;
  }
  function isAnswered(zone) {
    var allowed = zone.kind ? LABELS[zone.kind] : {};
    return !!zone.kind && zone.reasons.length > 0 && zone.times.length > 0 &&
      zone.reasons.every(function (key) { return allowed[key]; });
  }
  function zoneTitle(zone) {
    if (zone.shape === "place") { return placeNames[zone.place] || SHAPES.place.label; }
    return SHAPES[zone.shape].label;
  }

  // ---- geometry ---------------------------------------------------------------------------

  function round6(value) { return Math.round(value * 1e6) / 1e6; }
  function position(latlng) { return [round6(latlng.lng), round6(latlng.lat)]; }
  function samePosition(a, b) { return a[0] === b[0] && a[1] === b[1]; }
  function withoutRepeats(positions) {
    return positions.filter(function (p, i) { return i === 0 || !samePosition(p, positions[i - 1]); });
  }

  // GeoJSON in lon/lat with 6 decimals; polygons closed.
  function layerGeometry(shape, layer) {
    if (shape === "spot") { return { type: "Point", coordinates: position(layer.getLatLng()) }; }
    var latlngs = layer.getLatLngs();
    if (shape === "route") {
      return { type: "LineString", coordinates: withoutRepeats(latlngs.map(position)) };
    }
    var ring = withoutRepeats((Array.isArray(latlngs[0]) ? latlngs[0] : latlngs).map(position));
    if (ring.length > 1 && samePosition(ring[0], ring[ring.length - 1])) { ring.pop(); }
    ring.push(ring[0].slice());
    return { type: "Polygon", coordinates: [ring] };
  }

  function toLatLng(coordinates) { return L.latLng(coordinates[1], coordinates[0]); }
  function geometryLatLngs(geometry) {
    if (geometry.type === "Point") { return toLatLng(geometry.coordinates); }
    if (geometry.type === "LineString") { return geometry.coordinates.map(toLatLng); }
    return geometry.coordinates[0].slice(0, -1).map(toLatLng);
  }

  // ---- the map ----------------------------------------------------------------------------

  var map = L.map("map", { doubleClickZoom: false, maxBoundsViscosity: 1, zoomSnap: 0.5 });
  map.attributionControl.setPrefix(false);
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  var areaOutline = L.geoJSON(config.area, { interactive: false, pmIgnore: true,
    style: { color: "#0b4f8a", weight: 3, dashArray: "8 6", fill: false } });

  function maskRings(area) {
    var polygons = area.type === "MultiPolygon" ? area.coordinates : [area.coordinates];
    var rings = [[[-85, -180], [85, -180], [85, 180], [-85, 180]]];
    polygons.forEach(function (polygon) {
      rings.push(polygon[0].map(function (c) { return [c[1], c[0]]; }));
    });
    return rings;
  }
  L.polygon(maskRings(config.area), { stroke: false, fillColor: "#1a1a1a", fillOpacity: 0.3,
    interactive: false, pmIgnore: true }).addTo(map);
  areaOutline.addTo(map);
  var areaBounds = areaOutline.getBounds();

  function fitArea() {
    map.invalidateSize();
    map.fitBounds(areaBounds, { padding: [8, 8] });
  }
  fitArea();
  map.setMaxBounds(areaBounds.pad(0.3));
  map.setMinZoom(Math.max(0, map.getZoom() - 1.5));

  map.pm.setGlobalOptions({
    snappable: false, tooltips: false, allowSelfIntersection: false, continueDrawing: false,
    templineStyle: { color: "#0b4f8a", weight: 4 },
    hintlineStyle: { color: "#0b4f8a", weight: 3, dashArray: "4 6" },
    pathOptions: { color: "#0b4f8a", weight: 4 },
    markerStyle: { icon: spotIcon("new", "+", false), keyboard: false }
  });

  var zoneLayers = L.featureGroup().addTo(map);
  var layers = {};

  function spotIcon(kind, number, highlighted) {
    var symbol = { safe: "\u2713", unsafe: "!", none: "?", "new": "" }[kind];
    var html = '<span class="spot-shape"></span><span class="spot-symbol">' + symbol + "</span>" +
      '<span class="spot-number">' + String(number) + "</span>";  // numbers and symbols only
    return L.divIcon({ className: "spot-icon spot-" + kind + (highlighted ? " zone-highlight" : ""),
      html: html, iconSize: [44, 44], iconAnchor: [22, 22] });
  }

  function zoneStyle(zone, highlighted) {
    var kind = zone.kind && isAnswered(zone) ? zone.kind : "none";
    var route = zone.shape === "route";
    return {
      color: COLOURS[kind], fillColor: COLOURS[kind], opacity: 1,
      weight: (route ? 7 : 4) + (highlighted ? 4 : 0),
      dashArray: kind === "unsafe" ? (route ? "14 10" : "12 8") : (kind === "none" ? "2 9" : null),
      lineCap: kind === "none" ? "round" : "butt",
      fillOpacity: kind === "none" ? 0.12 : 0.3,
      className: "zone-shape zone-" + kind + (highlighted ? " zone-highlight" : "")
    };
  }

  function highlightedId() {
    if (current && current.zone) { return current.zone.id; }
    if (problem && problem.zone && state.zones[problem.zone - 1]) { return state.zones[problem.zone - 1].id; }
    return null;
  }

  function renderLayers() {
    zoneLayers.clearLayers();
    layers = {};
    var highlighted = highlightedId();
    state.zones.forEach(function (zone, index) {
      if (zone.shape === "place") { return; }
      var on = zone.id === highlighted;
      var kind = zone.kind && isAnswered(zone) ? zone.kind : "none";
      var layer;
      if (zone.shape === "spot") {
        layer = L.marker(geometryLatLngs(zone.geometry), { icon: spotIcon(kind, index + 1, on),
          keyboard: false, riseOnHover: true, zIndexOffset: on ? 1000 : 0 });
      } else {
        var Shape = zone.shape === "route" ? L.polyline : L.polygon;
        layer = Shape(geometryLatLngs(zone.geometry), zoneStyle(zone, on));
        layer.bindTooltip(String(index + 1), { permanent: true, direction: "center",
          className: "zone-number zone-number-" + kind, interactive: false, opacity: 1 });
      }
      layer.on("click", function () {
        if (mode === "idle") { openZone(zone, { returnTo: editButtonFor(zone) }); }
      });
      zoneLayers.addLayer(layer);
      if (on && zone.shape !== "spot") { layer.bringToFront(); }
      layers[zone.id] = layer;
    });
  }

  function showZoneOnMap(zone) {
    var layer = layers[zone.id];
    if (!layer) { return; }
    if (layer.getBounds) {
      map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: map.getZoom() });
    } else {
      map.panTo(layer.getLatLng());
    }
  }

  // ---- drawing and editing modes ----------------------------------------------------------

  var mode = "idle";     // idle | draw | edit
  var modeShape = null;  // area | route | spot
  var editing = null;    // {zone, layer}
  var modeReturn = null;
  var tools = byId("tools");
  var modeBar = byId("mode-bar");
  var modeHelp = byId("mode-help");
  var crosshair = byId("crosshair");
  var modeButtons = { point: byId("mode-point"), undo: byId("mode-undo"), finish: byId("mode-finish"),
    done: byId("mode-done"), cancel: byId("mode-cancel") };

  function showModeBar(key, buttons) {
    tools.hidden = true;
    modeBar.hidden = false;
    modeHelp.textContent = MODE_TEXT[key];
    Object.keys(modeButtons).forEach(function (name) {
      modeButtons[name].hidden = buttons.indexOf(name) < 0;
    });
    modeButtons.point.textContent = POINT_TEXT[key] || "";
    crosshair.hidden = buttons.indexOf("point") < 0;
    map.getContainer().classList.add("is-drawing");
    var first = buttons[0];
    if (modeButtons[first]) { modeButtons[first].focus({ preventScroll: true }); }
  }

  function hideModeBar() {
    var hadFocus = modeBar.contains(document.activeElement);
    modeBar.hidden = true;
    tools.hidden = false;
    crosshair.hidden = true;
    map.getContainer().classList.remove("is-drawing");
    if (hadFocus && modeReturn && document.body.contains(modeReturn)) { modeReturn.focus({ preventScroll: true }); }
    modeReturn = null;
  }

  function startDraw(shape, button) {
    stopMode();
    problemText("");
    if (state.zones.length >= limits.zones) {
      problemText("You have added " + limits.zones + " places. That is the most one map can hold.");
      return;
    }
    mode = "draw";
    modeShape = shape;
    modeReturn = button;
    map.pm.enableDraw(SHAPES[shape].draw, { markerStyle: { icon: spotIcon("new", "+", false), keyboard: false } });
    showModeBar(shape, shape === "spot" ? ["point", "cancel"] : ["point", "undo", "finish", "cancel"]);
  }

  function drawHandler() { return modeShape ? map.pm.Draw[SHAPES[modeShape].draw] : null; }
  function drawnPoints() {
    var handler = drawHandler();
    return handler && handler._layer && handler._layer.getLatLngs ? handler._layer.getLatLngs().length : 0;
  }

  map.on("pm:create", function (event) {
    if (mode !== "draw") { map.removeLayer(event.layer); return; }
    var shape = modeShape;
    var geometry = layerGeometry(shape, event.layer);
    map.removeLayer(event.layer);
    var button = modeReturn;
    endMode();
    state.seq += 1;
    var zone = { id: "z" + state.seq + "-" + Date.now().toString(36), shape: shape, geometry: geometry,
      kind: null, reasons: [], times: [], suggestions: [], suggestion_other: "", comment: "" };
    state.zones.push(zone);
    changed();
    openZone(zone, { isNew: true, returnTo: button });
  });
  map.on("pm:drawend", function () {
    if (mode === "draw") { endMode(); }
  });

  function endMode() {
    mode = "idle";
    modeShape = null;
    hideModeBar();
  }

  function stopMode() {
    if (mode === "draw") {
      mode = "idle";
      map.pm.disableDraw();
      endMode();
    } else if (mode === "edit") {
      finishEdit(true);  // leaving the edit another way keeps what the pupil did
    }
  }

  modeButtons.point.addEventListener("click", function () {
    if (mode === "edit" && editing && editing.zone.shape === "spot") {
      editing.layer.setLatLng(map.getCenter());
      announce("The spot is now at the +.");
      return;
    }
    if (mode !== "draw") { return; }
    var before = drawnPoints();
    map.fire("click", { latlng: map.getCenter() });
    if (mode === "draw" && modeShape !== "spot") {
      announce(drawnPoints() > before ? "Point " + drawnPoints() + " added." : "That point would make the lines cross. Move the map a little and try again.");
    }
  });
  modeButtons.undo.addEventListener("click", function () {
    var handler = drawHandler();
    if (!handler || mode !== "draw") { return; }
    var points = drawnPoints();
    if (points <= 1) {
      var shape = modeShape, button = modeReturn;
      stopMode();
      startDraw(shape, button);
      announce("Start again: tap the map.");
      return;
    }
    handler._removeLastVertex();
    announce("Last point removed.");
  });
  modeButtons.finish.addEventListener("click", function () {
    var handler = drawHandler();
    if (!handler || mode !== "draw") { return; }
    var needed = modeShape === "area" ? 3 : 2;
    if (drawnPoints() < needed) {
      announce(modeShape === "area" ? "An area needs at least 3 corners. Tap the map to add them."
        : "A route needs at least 2 points. Tap the map to add them.");
      return;
    }
    handler._finishShape();
    if (mode === "draw") { announce("The lines cross. Press Undo and try another point."); }
  });
  modeButtons.cancel.addEventListener("click", function () {
    if (mode === "edit") { finishEdit(false); } else { stopMode(); }
    announce("Cancelled.");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && mode !== "idle" && !(dialog && dialog.open)) {
      modeButtons.cancel.click();
    }
  });
  modeButtons.done.addEventListener("click", function () { finishEdit(true); });

  function startEdit(zone) {
    stopMode();
    var layer = layers[zone.id];
    if (!layer) { return; }
    mode = "edit";
    modeShape = zone.shape;
    editing = { zone: zone, layer: layer };
    modeReturn = editButtonFor(zone);
    if (zone.shape === "spot") {
      layer.pm.enable({ draggable: true, snappable: false });
    } else {
      layer.unbindTooltip();
      layer.pm.enable({ allowSelfIntersection: false, snappable: false, draggable: false });
    }
    showZoneOnMap(zone);
    showModeBar("edit-" + zone.shape, zone.shape === "spot" ? ["done", "point", "cancel"] : ["done", "cancel"]);
  }

  function finishEdit(keep) {
    if (!editing) { return; }
    var zone = editing.zone, layer = editing.layer;
    layer.pm.disable();
    editing = null;
    mode = "idle";
    modeShape = null;
    hideModeBar();
    var geometry = layerGeometry(zone.shape, layer);
    if (keep && JSON.stringify(geometry) !== JSON.stringify(zone.geometry)) {
      zone.geometry = geometry;
      changed();
      announce("Zone " + numberOf(zone) + " has its new shape.");
    } else {
      render();
    }
  }

  document.querySelectorAll("[data-draw]").forEach(function (button) {
    button.addEventListener("click", function () { startDraw(button.getAttribute("data-draw"), button); });
  });

  // ---- messages ---------------------------------------------------------------------------

  var problem = null;  // {zone: number or null, message}
  function announce(text) {
    var region = byId("announce");
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  function problemText(text) { byId("draw-problem").textContent = text; }

  // ---- the list of my places -------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function icon(name) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var use = document.createElementNS("http://www.w3.org/2000/svg", "use");
    use.setAttribute("href", "#i-" + name);
    svg.appendChild(use);
    return svg;
  }
  function kindTag(zone) {
    var answered = isAnswered(zone);
    var tag = element("span", "kind-tag kind-tag-" + (answered ? zone.kind : "none"));
    if (answered) { tag.appendChild(icon(zone.kind)); }
    tag.appendChild(document.createTextNode(answered ? (zone.kind === "safe" ? "Safe" : "Unsafe") : "Needs answers"));
    return tag;
  }
  function reasonText(zone) {
    var names = zone.kind ? LABELS[zone.kind] : {};
    return zone.reasons.map(function (key) { return names[key] || key; }).join(", ");
  }
  function buttonWithHiddenText(text, hidden, className) {
    var button = element("button", className, text);
    button.type = "button";
    button.appendChild(element("span", "visually-hidden", " " + hidden));
    return button;
  }

  var zoneList = byId("zone-list");
  function editButtonFor(zone) {
    var inList = zoneList.querySelector('[data-edit="' + zone.id + '"]');
    var inPlaces = zone.shape === "place"
      ? byId("place-list").querySelector('[data-place="' + zone.place + '"]') : null;
    return shownView === "list" ? inPlaces || inList : inList || inPlaces;
  }

  function renderList() {
    zoneList.textContent = "";
    var highlighted = problem && problem.zone;
    state.zones.forEach(function (zone, index) {
      var number = index + 1;
      var item = element("li", "zone-item zone-item-" + (isAnswered(zone) ? zone.kind : "none"));
      if (highlighted === number) { item.classList.add("has-problem"); }
      var summary = element("div", "zone-summary");
      var head = element("p", "zone-head");
      head.appendChild(element("strong", "", "Zone " + number));
      head.appendChild(document.createTextNode(" \u00b7 " + zoneTitle(zone) + " "));
      head.appendChild(kindTag(zone));
      summary.appendChild(head);
      if (zone.reasons.length) { summary.appendChild(element("p", "zone-reasons", reasonText(zone))); }
      if (highlighted === number) { summary.appendChild(element("p", "zone-problem", problem.message)); }
      var actions = element("div", "zone-actions");
      var edit = buttonWithHiddenText(isAnswered(zone) ? "Edit" : "Answer", "zone " + number, "button secondary");
      edit.setAttribute("data-edit", zone.id);
      edit.addEventListener("click", function () { openZone(zone, { returnTo: edit }); });
      var remove = buttonWithHiddenText("Delete", "zone " + number, "button danger");
      remove.addEventListener("click", function () { deleteZone(zone); });
      actions.appendChild(edit);
      actions.appendChild(remove);
      item.appendChild(summary);
      item.appendChild(actions);
      zoneList.appendChild(item);
    });
    byId("zones-empty").hidden = state.zones.length > 0;
    byId("zone-count").textContent = state.zones.length ? "(" + state.zones.length + ")" : "";
    byId("list-instead").hidden = places.length === 0;
  }

  function placeZone(placeId) {
    for (var i = 0; i < state.zones.length; i += 1) {
      if (state.zones[i].shape === "place" && state.zones[i].place === placeId) { return state.zones[i]; }
    }
    return null;
  }

  function renderPlaces() {
    var list = byId("place-list");
    list.textContent = "";
    places.forEach(function (place) {
      var zone = placeZone(place.id);
      var item = element("li", "place-item");
      var summary = element("div", "zone-summary");
      var head = element("p", "zone-head");
      head.appendChild(element("strong", "", place.name));
      head.appendChild(document.createTextNode(" "));
      if (zone) { head.appendChild(kindTag(zone)); } else { head.appendChild(element("span", "hint", "Not marked")); }
      summary.appendChild(head);
      if (zone && zone.reasons.length) { summary.appendChild(element("p", "zone-reasons", reasonText(zone))); }
      var button = buttonWithHiddenText(zone ? "Change" : "Mark", place.name, "button " + (zone ? "secondary" : "primary"));
      button.setAttribute("data-place", String(place.id));
      button.addEventListener("click", function () {
        var existing = placeZone(place.id);
        if (existing) {
          openZone(existing, { returnTo: button });
        } else {
          state.seq += 1;
          openZone({ id: "p" + state.seq + "-" + Date.now().toString(36), shape: "place", geometry: null,
            place: place.id, kind: null, reasons: [], times: [], suggestions: [], suggestion_other: "",
            comment: "" }, { isNew: true, returnTo: button });
        }
      });
      item.appendChild(summary);
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function deleteZone(zone) {
    var number = numberOf(zone);
    var what = zone.shape === "place" ? zoneTitle(zone) : zoneTitle(zone).toLowerCase();
    if (!window.confirm("Delete zone " + number + " (" + what + ")?")) { return false; }
    var index = state.zones.indexOf(zone);
    if (index >= 0) { state.zones.splice(index, 1); }
    changed();
    announce("Zone " + number + " deleted.");
    return true;
  }

  function render() {
    renderList();
    renderPlaces();
    if (mode !== "edit") { renderLayers(); }
  }

  // ---- the questions ----------------------------------------------------------------------

  var dialog = byId("zone-dialog");
  var form = byId("zone-form");
  var current = null;  // {zone, isNew, returnTo}

  function choices(container, name, items, selected) {
    container.textContent = "";
    items.forEach(function (item) {
      var label = element("label", "choice");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.name = name;
      input.value = item.key;
      input.checked = selected.indexOf(item.key) >= 0;
      var picture = element("span", "choice-icon", item.icon || "");
      picture.setAttribute("aria-hidden", "true");
      label.appendChild(input);
      label.appendChild(picture);
      label.appendChild(element("span", "choice-label", item.label));
      container.appendChild(label);
    });
  }
  function ticked(name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'),
      function (input) { return input.value; });
  }
  function chosenKind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : null;
  }

  function showReasons(kind, selected) {
    var fieldset = byId("q-reasons");
    fieldset.hidden = !kind;
    if (!kind) { return; }
    byId("reasons-legend").textContent = "2. Why does it feel " + kind + "?";
    choices(byId("reasons-choices"), "reasons", vocabulary[kind], selected.filter(function (key) {
      return LABELS[kind][key];
    }));
    byId("suggestions-legend").firstChild.textContent = kind === "safe"
      ? "4. What would make it even safer? " : "4. What would make it safer? ";
  }

  function showOther() {
    var on = ticked("suggestions").indexOf("other") >= 0;
    byId("other-field").hidden = !on;
  }
  function showLeft() {
    var left = limits.comment - byId("comment").value.length;
    byId("comment-left").textContent = "You can write " + left + " more character" + (left === 1 ? "" : "s") + ".";
  }

  function clearErrors() {
    byId("zone-errors").hidden = true;
    byId("zone-errors").textContent = "";
    ["kind", "reasons", "times"].forEach(function (name) {
      var message = byId(name + "-error");
      message.hidden = true;
      message.textContent = "";
      byId("q-" + name).classList.remove("has-error");
      byId("q-" + name).removeAttribute("aria-describedby");
    });
  }

  function openZone(zone, options) {
    options = options || {};
    stopMode();
    current = { zone: zone, isNew: !!options.isNew, returnTo: options.returnTo || document.activeElement };
    clearErrors();
    form.reset();
    var number = numberOf(zone);
    var what = zone.shape === "place" ? placeNames[zone.place] : "your " + SHAPES[zone.shape].noun;
    byId("zone-title").textContent = "Zone " + number + ": " + what;
    form.querySelectorAll('input[name="kind"]').forEach(function (input) { input.checked = input.value === zone.kind; });
    showReasons(zone.kind, zone.reasons);
    choices(byId("times-choices"), "times", vocabulary.times, zone.times);
    choices(byId("suggestions-choices"), "suggestions", vocabulary.suggestions, zone.suggestions);
    if (!zone.kind) { byId("suggestions-legend").firstChild.textContent = "4. What would make it safer? "; }
    var other = byId("suggestion-other");
    other.maxLength = limits.other;
    other.value = zone.suggestion_other || "";
    var comment = byId("comment");
    comment.maxLength = limits.comment;
    comment.value = zone.comment || "";
    showOther();
    showLeft();
    byId("zone-reshape").hidden = zone.shape === "place" || !layers[zone.id];
    byId("zone-delete").textContent = zone.shape === "place" && current.isNew ? "Cancel" : "Delete zone";
    if (zone.shape !== "place") { renderLayers(); showZoneOnMap(zone); }
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");  // browsers without <dialog>: shown, not modal
    }
    dialog.scrollTop = 0;
    byId("zone-title").focus();
  }

  function closeZone() {
    if (typeof dialog.close === "function") {
      if (dialog.open) { dialog.close(); }
    } else if (dialog.hasAttribute("open")) {
      dialog.removeAttribute("open");
      dialog.dispatchEvent(new Event("close"));
    }
  }

  function visible(node) {
    return !!node && document.body.contains(node) && node.getClientRects().length > 0;
  }

  dialog.addEventListener("close", function () {
    var returnTo = current && current.returnTo;
    var zone = current && current.zone;
    current = null;
    render();
    var candidates = [zone && editButtonFor(zone), returnTo, tools.querySelector("button")];
    for (var i = 0; i < candidates.length; i += 1) {
      if (visible(candidates[i])) { candidates[i].focus({ preventScroll: true }); return; }
    }
  });

  form.addEventListener("change", function (event) {
    if (event.target.name === "kind") {
      showReasons(chosenKind(), ticked("reasons"));
    } else if (event.target.name === "suggestions") {
      showOther();
    }
  });
  byId("comment").addEventListener("input", showLeft);
  byId("zone-close").addEventListener("click", closeZone);

  function fieldError(name, text) {
    var message = byId(name + "-error");
    message.textContent = text;
    message.hidden = false;
    byId("q-" + name).classList.add("has-error");
    byId("q-" + name).setAttribute("aria-describedby", name + "-error");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) { return; }
    clearErrors();
    var kind = chosenKind();
    var reasons = kind ? ticked("reasons") : [];
    var times = ticked("times");
    var errors = [];
    if (!kind) { errors.push(["kind", "Choose Safe or Unsafe."]); }
    if (kind && !reasons.length) { errors.push(["reasons", "Tick at least one reason why it feels " + kind + "."]); }
    if (!times.length) { errors.push(["times", "Tick at least one time."]); }
    if (errors.length) {
      var summary = byId("zone-errors");
      var list = element("ul");
      errors.forEach(function (error) {
        fieldError(error[0], error[1]);
        list.appendChild(element("li", "", error[1]));
      });
      summary.appendChild(element("p", "", "Please answer these first:"));
      summary.appendChild(list);
      summary.hidden = false;
      var first = byId("q-" + errors[0][0]).querySelector("input");
      if (first) { first.focus(); }
      return;
    }
    var zone = current.zone;
    var suggestions = ticked("suggestions");
    zone.kind = kind;
    zone.reasons = reasons;
    zone.times = times;
    zone.suggestions = suggestions;
    zone.suggestion_other = suggestions.indexOf("other") >= 0 ? byId("suggestion-other").value.trim() : "";
    zone.comment = byId("comment").value.trim();
    if (state.zones.indexOf(zone) < 0) { state.zones.push(zone); }
    var number = numberOf(zone);
    closeZone();
    changed();
    announce("Saved: zone " + number + " feels " + kind + ".");
  });

  byId("zone-delete").addEventListener("click", function () {
    if (!current) { return; }
    var zone = current.zone;
    if (state.zones.indexOf(zone) < 0) { closeZone(); return; }
    if (deleteZone(zone)) { closeZone(); }
  });
  byId("zone-reshape").addEventListener("click", function () {
    if (!current) { return; }
    var zone = current.zone;
    closeZone();
    startEdit(zone);
  });

  // ---- views ------------------------------------------------------------------------------

  var views = { draw: byId("draw-view"), list: byId("list-view"), review: byId("review-view"),
    thanks: byId("thanks-view") };
  var shownView = "draw";

  function showView(name, focusTarget) {
    if (name !== "draw") { stopMode(); }
    Object.keys(views).forEach(function (key) { views[key].hidden = key !== name; });
    document.body.setAttribute("data-view", name);
    shownView = name;
    window.scrollTo(0, 0);
    if (name === "draw") { map.invalidateSize(); }
    var target = focusTarget || views[name].querySelector("h1");
    if (target) {
      if (target.tagName === "H1") { target.setAttribute("tabindex", "-1"); }
      target.focus({ preventScroll: true });
    }
  }

  byId("list-instead").addEventListener("click", function () { showView("list"); });
  byId("list-back").addEventListener("click", function () { showView("draw"); });
  byId("review-back").addEventListener("click", function () { showView("draw", byId("review-button")); });
  byId("review-button").addEventListener("click", review);
  byId("list-review").addEventListener("click", review);

  function review() {
    stopMode();
    problemText("");
    if (!state.zones.length) {
      showView("draw");
      problemText("Add at least one place before you send your map.");
      return;
    }
    var unanswered = state.zones.filter(function (zone) { return !isAnswered(zone); })[0];
    if (unanswered) {
      var number = numberOf(unanswered);
      problem = { zone: number, message: "Answer the questions for this zone." };
      showView("draw");
      render();
      problemText("Zone " + number + " still needs answers. Press \u201cAnswer\u201d next to it in My places.");
      var button = editButtonFor(unanswered);
      if (button) { button.focus(); }
      return;
    }
    renderReview();
    clearSendMessages();
    showView("review");
  }

  function line(label, text) {
    var paragraph = element("p", "review-line");
    paragraph.appendChild(element("span", "review-label", label + " "));
    paragraph.appendChild(document.createTextNode(text));
    return paragraph;
  }

  function renderReview() {
    var list = byId("review-list");
    list.textContent = "";
    state.zones.forEach(function (zone, index) {
      var item = element("li", "review-item review-" + zone.kind);
      var head = element("p", "zone-head");
      head.appendChild(element("strong", "", "Zone " + (index + 1)));
      head.appendChild(document.createTextNode(" \u00b7 " + zoneTitle(zone) + " "));
      head.appendChild(kindTag(zone));
      item.appendChild(head);
      item.appendChild(line("Why:", reasonText(zone)));
      item.appendChild(line("When:", zone.times.map(function (key) { return LABELS.times[key] || key; }).join(", ")));
      if (zone.suggestions.length) {
        item.appendChild(line("What would help:", zone.suggestions.map(function (key) {
          return key === "other" && zone.suggestion_other
            ? (LABELS.suggestions.other || "Something else") + ": \u201c" + zone.suggestion_other + "\u201d"
            : LABELS.suggestions[key] || key;
        }).join(", ")));
      }
      if (zone.comment) {
        var said = line("You wrote:", "");
        said.appendChild(element("span", "pupil-text", zone.comment));
        item.appendChild(said);
      }
      list.appendChild(item);
    });
  }

  // ---- sending ----------------------------------------------------------------------------

  var inFlight = false;
  var retryTimer = null;
  var sendButton = byId("send-button");
  var backButton = byId("review-back");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function feature(zone) {
    var properties = {
      kind: zone.kind, reasons: zone.reasons.slice(), times: zone.times.slice(),
      suggestions: zone.suggestions.slice(),
      suggestion_other: zone.suggestions.indexOf("other") >= 0 && zone.suggestion_other ? zone.suggestion_other : null,
      comment: zone.comment || null
    };
    if (zone.shape === "place") { properties.place = zone.place; }
    return { type: "Feature", geometry: zone.shape === "place" ? null : zone.geometry, properties: properties };
  }

  function body() {
    return JSON.stringify({ type: "FeatureCollection", features: state.zones.map(feature) });
  }

  function sendStatus(text) { byId("send-status").textContent = text; }
  function sendProblem(text) { byId("send-problem").textContent = text; }
  function clearSendMessages() {
    sendStatus("");
    sendProblem("");
    byId("reload-button").hidden = true;
    sendButton.textContent = "Send my map";
    sendButton.disabled = false;
    backButton.disabled = false;
    views.review.classList.remove("is-waiting");
  }

  sendButton.addEventListener("click", function () {
    if (!state.zones.length) { return; }
    var text = body();
    if (!state.pending || state.pending.body !== text) {
      state.pending = { key: newKey(), body: text };  // once per drawing, kept for every retry
      save();
    }
    sendProblem("");
    attempt();
  });
  byId("reload-button").addEventListener("click", function () { window.location.reload(); });

  function stopRetrying() {
    if (retryTimer) { window.clearInterval(retryTimer); }
    retryTimer = null;
    views.review.classList.remove("is-waiting");
  }

  function waitForInternet(serverMessage) {
    // The server answered "busy" or "try again" (429, 5xx): say so rather than blame the wifi.
    if (serverMessage) {
      sendStatus(serverMessage + " " + (storageWorks ? RETRYING : RETRYING_NOT_SAVED));
    } else {
      sendStatus(storageWorks ? OFFLINE : OFFLINE_NOT_SAVED);
    }
    views.review.classList.add("is-waiting");
    sendButton.textContent = "Try again now";
    if (!retryTimer) { retryTimer = window.setInterval(attempt, RETRY_MS); }
  }

  window.addEventListener("online", function () {
    if (retryTimer && state.pending) { attempt(); }
  });

  function attempt() {
    if (inFlight || !state.pending) { return; }
    inFlight = true;
    var pending = state.pending;
    sendButton.disabled = true;
    backButton.disabled = true;
    sendStatus("Sending your map\u2026");
    var controller = window.AbortController ? new window.AbortController() : null;
    var timeout = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    fetch(config.submitUrl, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/geo+json", "Accept": "application/json",
        "X-CSRFToken": csrfToken(), "Idempotency-Key": pending.key },
      body: pending.body, signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (answer) {
      done();
      answered(answer, pending);
    }, function () {
      done();
      if (state.pending === pending) { waitForInternet(); }
    });
    function done() {
      inFlight = false;
      if (timeout) { window.clearTimeout(timeout); }
      sendButton.disabled = false;
      backButton.disabled = false;
    }
  }

  function errorOf(data) {
    return (data && data.error) || {};
  }

  function answered(answer, pending) {
    var status = answer.status;
    var error = errorOf(answer.data);
    if (status === 200 || status === 201) {
      sent(answer.data && answer.data.message);
      return;
    }
    if (state.pending !== pending) { return; }  // the drawing changed meanwhile: not this one
    if (status === 429 || status >= 500 || status === 0) {
      waitForInternet(error.message);
      return;
    }
    stopRetrying();
    sendButton.textContent = "Send my map";
    sendStatus("");
    if (status === 403) {
      sendProblem((error.message || "This mapping session is closed.") + " Your teacher has closed " +
        "this class map, so it cannot take maps now. Your map is still saved on this device: " +
        "ask your teacher, then press \u201cSend my map\u201d again.");
      return;
    }
    if (status === 400 && error.code === "csrf_failed") {
      sendProblem("This page has been open for a long time. Press \u201cReload the page\u201d: " +
        "your map is saved on this device and will be sent after.");
      byId("reload-button").hidden = false;
      return;
    }
    if (status === 422 && error.code === "idempotency_key_reused") {
      state.pending = { key: newKey(), body: pending.body };
      save();
      attempt();
      return;
    }
    var zone = error.details && error.details[0] && error.details[0].zone;
    var message = error.message || "Your map could not be sent. Check it and try again.";
    if (zone && state.zones[zone - 1]) {
      problem = { zone: zone, message: message };
      showView("draw");
      render();
      problemText(message + " Fix zone " + zone + " (it is marked on the map and in My places), then press \u201cCheck and send\u201d again.");
      if (state.zones[zone - 1].shape !== "place") { showZoneOnMap(state.zones[zone - 1]); }
      var problemBox = byId("draw-problem");
      problemBox.setAttribute("tabindex", "-1");
      problemBox.focus();
      return;
    }
    sendProblem(message);
  }

  function sent(message) {
    stopRetrying();
    forget();
    render();
    clearSendMessages();
    byId("thanks-title").textContent = message || THANKS;
    byId("thanks-message").textContent = "";
    showView("thanks");
  }

  byId("new-map").addEventListener("click", function () {
    forget();
    problem = null;
    render();
    showView("draw");
    fitArea();
  });

  // ---- start ------------------------------------------------------------------------------

  var restored = load();
  render();
  if (state.pending) {
    renderReview();
    showView("review");
    attempt();
  } else if (restored) {
    announce("Your map was saved on this device. We put it back: " + state.zones.length +
      " zone" + (state.zones.length === 1 ? "" : "s") + ".");
  }
}());

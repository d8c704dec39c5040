// The haven form's place picker: a draggable pin, postcode look-up and the phone's location.
// Workers' pages only: pupil pages never ask for a location.
(function () {
  "use strict";
  var box = document.getElementById("pick-map");
  if (!box || !window.L) { return; }
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var postcode = document.getElementById("postcode");
  var status = document.getElementById("place-status");
  var start = [parseFloat(lat.value) || 51.4545, parseFloat(lon.value) || -0.0235];

  var map = L.map(box).setView(start, lat.value ? 17 : 13);
  L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  var pin = L.marker(start, { draggable: true, autoPan: true, title: "The business", alt: "Pin" });
  if (lat.value) { pin.addTo(map); }

  function say(text) { status.textContent = text; }
  function place(latlng, zoom) {
    pin.setLatLng(latlng);
    if (!map.hasLayer(pin)) { pin.addTo(map); }
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    if (zoom) { map.setView(latlng, zoom); }
  }
  pin.on("dragend", function () { place(pin.getLatLng()); say("Pin moved."); });
  map.on("click", function (event) { place(event.latlng); say("Pin placed."); });
  function fromInputs() {
    var y = parseFloat(lat.value), x = parseFloat(lon.value);
    if (!isNaN(y) && !isNaN(x)) { place(L.latLng(y, x), 17); }
  }
  lat.addEventListener("change", fromInputs);
  lon.addEventListener("change", fromInputs);

  document.getElementById("find-postcode").addEventListener("click", function () {
    var code = postcode.value.trim();
    if (!code) { say("Type a postcode first."); postcode.focus(); return; }
    say("Looking up " + code + "...");
    fetch("/api/v1/postcodes/" + encodeURIComponent(code), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { say(result.body.error.message + " You can still place the pin on the map."); return; }
        postcode.value = result.body.postcode;
        place(L.latLng(result.body.lat, result.body.lon), 17);
        say("Moved to the middle of " + result.body.postcode + ". Now drag the pin to the door.");
      })
      .catch(function () { say("Could not look up the postcode. You can still place the pin on the map."); });
  });

  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { say("This phone cannot share its location."); return; }
    say("Finding where you are...");
    navigator.geolocation.getCurrentPosition(function (position) {
      place(L.latLng(position.coords.latitude, position.coords.longitude), 18);
      say("Pin placed where you are (within about " + Math.round(position.coords.accuracy) + " m).");
    }, function () { say("Your location is not available. Place the pin on the map instead."); },
    { enableHighAccuracy: true, timeout: 15000 });
  });
}());

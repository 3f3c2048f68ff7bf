// The organiser's edit form: clicking the venue map places the pin, filling the hidden
// lat/lon fields. Without JavaScript the postcode is looked up when the form is saved.
(function () {
  "use strict";
  var region = document.getElementById("venue-map");
  if (!region || !window.L) { return; }
  var map = window[region.dataset.map];
  var lat = document.getElementById("venue-lat");
  var lon = document.getElementById("venue-lon");
  var postcode = document.getElementById("venue-postcode");
  var status = document.getElementById("venue-pin-status");
  if (!map || !lat || !lon) { return; }
  if (map.getMaxZoom() === Infinity) { map.setMaxZoom(19); }

  var marker = null;
  map.eachLayer(function (layer) {
    if (layer instanceof L.Marker) { marker = layer; }
  });

  function say(text) {
    if (status) { status.textContent = text; }
  }

  map.on("click", function (event) {
    var point = event.latlng;
    lat.value = point.lat.toFixed(6);
    lon.value = point.lng.toFixed(6);
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = L.marker(point).addTo(map);
    }
    say("Pin placed. Save the form to keep it.");
  });

  if (postcode) {
    postcode.addEventListener("change", function () {
      // A new postcode is looked up when the form is saved, unless the map is clicked after.
      lat.value = "";
      lon.value = "";
      say("The pin moves to the new postcode when you save. To place it yourself, click the map.");
    });
  }
})();


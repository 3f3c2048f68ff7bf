// The gap map: areas shaded by their gap score, the groups that fit (or might), cells with
// five or more unmet needs, and a click that chooses the point for "what if". Area names are
// set with textContent, never as HTML.
(function () {
  "use strict";
  var region = document.getElementById("gap-map");
  var data = document.getElementById("gap-data");
  if (!region || !data || !window.L) { return; }
  var map = window[region.dataset.map];
  if (!map) { return; }
  var found = JSON.parse(data.textContent);

  function label(props) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = props.name;
    var score = document.createElement("div");
    score.textContent = props.gap_score === null ? "Gap score not known" : "Gap score " + Math.round(props.gap_score);
    box.appendChild(name);
    box.appendChild(score);
    return box;
  }

  var areas = L.geoJSON(found.areas, {
    style: function (feature) {
      return { color: "#425563", weight: 1, fillColor: feature.properties.colour, fillOpacity: 0.7 };
    },
    onEachFeature: function (feature, layer) { layer.bindTooltip(label(feature.properties), { sticky: true }); }
  }).addTo(map);
  if (areas.getLayers().length) { map.fitBounds(areas.getBounds(), { padding: [8, 8] }); }

  var groups = L.layerGroup(found.groups.map(function (g) {
    return L.circleMarker([g[0], g[1]], g[2]
      ? { radius: 6, color: "#ffffff", weight: 2, fillColor: "#007f3b", fillOpacity: 1 }
      : { radius: 6, color: "#212b32", weight: 2, fillColor: "#ffffff", fillOpacity: 1 });
  })).addTo(map);
  var unmet = L.layerGroup(found.unmet.map(function (c) {
    return L.rectangle([[c[0] - 0.003, c[1] - 0.003], [c[0] + 0.003, c[1] + 0.003]],
      { color: "#d5281b", weight: 1, fillColor: "#d5281b", fillOpacity: 0.8 });
  })).addTo(map);
  L.control.layers(null, { "Areas": areas, "Groups": groups, "Unmet needs": unmet }, { collapsed: false }).addTo(map);

  var lat = document.getElementById("at_lat"), lon = document.getElementById("at_lon");
  var chosen = document.getElementById("at-chosen"), postcode = document.getElementById("at_postcode");
  var marker = null;
  if (lat && lat.value && lon && lon.value) {
    marker = L.marker([parseFloat(lat.value), parseFloat(lon.value)]).addTo(map);
  }
  map.on("click", function (event) {
    if (!lat || !lon) { return; }
    lat.value = event.latlng.lat.toFixed(5);
    lon.value = event.latlng.lng.toFixed(5);
    if (postcode) { postcode.value = ""; }
    if (marker) { marker.setLatLng(event.latlng); } else { marker = L.marker(event.latlng).addTo(map); }
    if (chosen) { chosen.textContent = "Point chosen on the map: " + lat.value + ", " + lon.value + ". Press the button below to see what a new group there would reach."; }
  });
})();

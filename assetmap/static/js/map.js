// The search map: a marker for every group in the list beside it (the same groups, so the map
// and the list never disagree), clustered where they crowd, and a marker for the place searched
// for; the view fits them all. The server writes every popup's words (#search-points), so the
// map says dates and places as the list does. Every piece of text is set with textContent,
// never as HTML. When a filter changes, search.js swaps in new points and the map redraws.
(function () {
  "use strict";
  var region = document.getElementById("map-region");
  if (!region || !window.L) { return; }
  var map = window[region.dataset.map];
  if (!map) { return; }
  // Clustering needs a maximum zoom, which a map without a tile layer does not have.
  if (map.getMaxZoom() === Infinity) { map.setMaxZoom(19); }

  var clusters = L.markerClusterGroup({ showCoverageOnHover: false });
  map.addLayer(clusters);
  var searched = null;

  function line(parent, text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) { p.className = className; }
    parent.appendChild(p);
  }

  function popup(group) {
    var box = document.createElement("div");
    box.className = "am-popup";
    var title = document.createElement("h3");
    title.className = "nhsuk-heading-xs";
    title.textContent = group.name;
    box.appendChild(title);
    group.lines.forEach(function (text) { line(box, text); });
    line(box, group.checked, group.stale ? "am-popup__stale" : null);
    if (group.very_stale) { line(box, "May have stopped: ring first", "am-popup__stale"); }
    var link = document.createElement("a");
    link.href = group.url;
    link.textContent = "View " + group.name;
    box.appendChild(link);
    return box;
  }

  function icon(group) {
    var html = document.createElement("span");
    html.className = "am-marker am-marker--" + group.status;
    if (group.stale) {
      var badge = document.createElement("span");
      badge.className = "am-marker__badge";
      badge.textContent = "!";
      html.appendChild(badge);
    }
    return L.divIcon({ className: "", html: html, iconSize: [22, 22], iconAnchor: [11, 11] });
  }

  function placeMarker(place) {
    var html = document.createElement("span");
    html.className = "am-place-marker";
    var label = document.createElement("span");
    label.textContent = place.label;
    return L.marker([place.lat, place.lon], {
      icon: L.divIcon({ className: "", html: html, iconSize: [20, 20], iconAnchor: [10, 10] }),
      title: place.label, alt: place.label, keyboard: false, zIndexOffset: -1000
    }).bindTooltip(label, { permanent: true, direction: "top", offset: [0, -10],
                            className: "am-place-label" });
  }

  function draw() {
    var data = document.getElementById("search-points");
    if (!data) { return; }
    var points = JSON.parse(data.textContent);
    var bounds = [];
    clusters.clearLayers();
    points.groups.forEach(function (group) {
      var marker = L.marker([group.lat, group.lon], { icon: icon(group), title: group.name,
                                                      alt: group.name });
      marker.bindPopup(popup(group));
      clusters.addLayer(marker);
      bounds.push([group.lat, group.lon]);
    });
    if (searched) { map.removeLayer(searched); searched = null; }
    if (points.place) {
      searched = placeMarker(points.place).addTo(map);
      bounds.push([points.place.lat, points.place.lon]);
    }
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16 });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], 15);
    }
    region.dataset.loaded = String(points.groups.length);
  }

  region.addEventListener("filters-changed", draw);
  draw();
})();

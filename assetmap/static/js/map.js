// The search map: a marker for every group in the list beside it (the same groups, so the map
// and the list never disagree), clustered where they crowd, and a marker for the place searched
// for; the view fits them all. The server writes every popup's words (#search-points), so the
// map says dates and places as the list does. Every piece of text is set with textContent,
// never as HTML. When a filter changes, search.js swaps in new points and the map redraws.
// When the person moves the map, the other groups in view that fit the same filters come from
// the API's lean marker view (view=markers: a point, name, status and freshness each), drawn
// smaller; their popup links to the listing's page, as the list's do.
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
  var nearby = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
  map.addLayer(nearby);
  var searched = null;
  var listed = {};
  var fitting = false;
  var pending = null;
  var AREA_LIMIT = 500;
  var STATUS = { open: "Open to anyone", invitation_only: "Invitation only",
                 waiting_list: "Waiting list", paused: "Paused", closed: "Closed" };

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

  function nearbyPopup(id, props) {
    var box = document.createElement("div");
    box.className = "am-popup";
    var title = document.createElement("h3");
    title.className = "nhsuk-heading-xs";
    title.textContent = props.name;
    box.appendChild(title);
    line(box, STATUS[props.status] || props.status);
    if (props.very_stale) { line(box, "May have stopped: ring first", "am-popup__stale"); }
    else if (props.freshness === "stale") { line(box, "Not checked recently", "am-popup__stale"); }
    line(box, "Not in the list: it is outside the search");
    var link = document.createElement("a");
    link.href = region.dataset.listing.replace(/0$/, String(id));
    link.textContent = "View " + props.name;
    box.appendChild(link);
    return box;
  }

  function nearbyIcon(props) {
    var html = document.createElement("span");
    html.className = "am-marker-nearby am-marker-nearby--" + props.status;
    return L.divIcon({ className: "", html: html, iconSize: [14, 14], iconAnchor: [7, 7] });
  }

  // The other groups in view, in the lean marker form; a full page means "zoom in for more".
  function loadNearby() {
    if (!region.dataset.api || !window.fetch) { return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (n) { return Math.max(-180, Math.min(180, n)).toFixed(5); }).join(",");
    var url = region.dataset.api + "?view=markers&limit=" + AREA_LIMIT + "&bbox=" + bbox +
      (region.dataset.filters ? "&" + region.dataset.filters : "");
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    fetch(url, pending ? { signal: pending.signal } : {})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        nearby.clearLayers();
        var shown = 0;
        data.features.forEach(function (f) {
          if (!f.geometry || listed[f.id]) { return; }
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { icon: nearbyIcon(f.properties),
                                                title: f.properties.name, alt: f.properties.name });
          marker.bindPopup(nearbyPopup(f.id, f.properties));
          nearby.addLayer(marker);
          shown += 1;
        });
        region.dataset.nearby = String(shown);
        region.dataset.nearbyMore = String(data.numberMatched === undefined);
      })
      .catch(function () {});
  }

  function fit(bounds) {
    // The view the page sets is not a move of the person's: it loads nothing more.
    fitting = true;
    window.setTimeout(function () { fitting = false; }, 1500);
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16 });
    } else if (bounds.length === 1) {
      map.setView(bounds[0], 15);
    }
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
    nearby.clearLayers();
    listed = {};
    points.groups.forEach(function (group) {
      listed[group.id] = true;
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
    fit(bounds);
    region.dataset.loaded = String(points.groups.length);
  }

  map.on("moveend", function () {
    if (fitting) { fitting = false; return; }
    loadNearby();
  });
  region.addEventListener("filters-changed", draw);
  draw();
})();

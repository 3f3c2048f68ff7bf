// Markers for the groups in view, fetched from the API as the map moves, clustered.
// Every piece of listing text is set with textContent, never as HTML.
(function () {
  "use strict";
  var region = document.getElementById("map-region");
  if (!region || !window.L) { return; }
  var map = window[region.dataset.map];
  if (!map) { return; }
  // Clustering needs a maximum zoom, which a map without a tile layer does not have.
  if (map.getMaxZoom() === Infinity) { map.setMaxZoom(19); }

  var DAYS = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday",
               fri: "Friday", sat: "Saturday", sun: "Sunday" };
  var STATUS = { open: "Open to anyone", invitation_only: "Invitation only",
                 waiting_list: "Waiting list", paused: "Paused", closed: "Closed" };
  var ORDER = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  var clusters = L.markerClusterGroup({ showCoverageOnHover: false });
  map.addLayer(clusters);
  var pending = null;

  function line(parent, text, className) {
    var p = document.createElement("p");
    p.textContent = text;
    if (className) { p.className = className; }
    parent.appendChild(p);
  }

  function nextSession(schedule) {
    if (!schedule || !schedule.length) { return null; }
    var today = (new Date().getDay() + 6) % 7;
    var best = schedule.slice().sort(function (a, b) {
      var da = (ORDER.indexOf(a.day) - today + 7) % 7, db = (ORDER.indexOf(b.day) - today + 7) % 7;
      return da - db || (a.start < b.start ? -1 : 1);
    })[0];
    return DAYS[best.day] + " " + best.start;
  }

  function popup(group) {
    var box = document.createElement("div");
    box.className = "am-popup";
    var title = document.createElement("h3");
    title.className = "nhsuk-heading-xs";
    title.textContent = group.name;
    box.appendChild(title);
    line(box, STATUS[group.status] || group.status);
    var when = nextSession(group.schedule);
    if (when) { line(box, "Next: " + when); }
    var spare = group.capacity && group.capacity.spare_places;
    if (spare !== null && spare !== undefined) {
      line(box, spare === 0 ? "Full" : spare + " place" + (spare === 1 ? "" : "s") + " free");
    }
    line(box, group.last_verified_at ? "Checked " + group.last_verified_at : "Never checked",
         group.freshness === "stale" ? "am-popup__stale" : null);
    if (group.very_stale) { line(box, "May have stopped: ring first", "am-popup__stale"); }
    var link = document.createElement("a");
    link.href = region.dataset.listing.replace(/0$/, String(group.id));
    link.textContent = "View " + group.name;
    box.appendChild(link);
    return box;
  }

  function icon(group) {
    var html = document.createElement("span");
    html.className = "am-marker am-marker--" + group.status;
    if (group.freshness === "stale") {
      var badge = document.createElement("span");
      badge.className = "am-marker__badge";
      badge.textContent = "!";
      html.appendChild(badge);
    }
    return L.divIcon({ className: "", html: html, iconSize: [22, 22], iconAnchor: [11, 11] });
  }

  function load() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (n) { return Math.max(-180, Math.min(180, n)).toFixed(5); }).join(",");
    var url = region.dataset.api + "?bbox=" + bbox + "&limit=1000" +
      (region.dataset.filters ? "&" + region.dataset.filters : "");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        clusters.clearLayers();
        data.features.forEach(function (f) {
          if (!f.geometry) { return; }
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { icon: icon(f.properties), title: f.properties.name,
                                                alt: f.properties.name });
          marker.bindPopup(popup(f.properties));
          clusters.addLayer(marker);
        });
        region.dataset.loaded = String(data.features.length);
      })
      .catch(function () {});
  }

  map.on("moveend", load);
  region.addEventListener("filters-changed", load);
  load();
})();

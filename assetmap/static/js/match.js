// The match page and the plan, made a little nicer with JavaScript (both work without it):
// numbered markers for the results, a running count of groups chosen for the plan (kept in
// the order they were ticked), interest suggestions after a comma, and the print button.
// Every piece of listing text is set with textContent, never as HTML.
(function () {
  "use strict";

  // ---- "Print this plan" -------------------------------------------------------------------
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // ---- the map of results ------------------------------------------------------------------
  function showMap() {
    var region = document.getElementById("match-map");
    var data = document.getElementById("match-points");
    if (!region || !data || !window.L) { return; }
    var map = window[region.dataset.map];
    if (!map) { return; }
    var points = JSON.parse(data.textContent);
    var bounds = [];

    function line(parent, text) {
      var p = document.createElement("p");
      p.textContent = text;
      parent.appendChild(p);
    }

    if (points.home) {
      var home = document.createElement("span");
      home.className = "am-marker am-marker--home";
      L.marker(points.home, {
        icon: L.divIcon({ className: "", html: home, iconSize: [22, 22], iconAnchor: [11, 11] }),
        title: "Their postcode", alt: "Their postcode", keyboard: false, zIndexOffset: -1000
      }).addTo(map);
      bounds.push(points.home);
    }
    points.groups.forEach(function (group) {
      var badge = document.createElement("span");
      badge.className = "am-marker am-marker--rank";
      badge.textContent = String(group.rank);
      var box = document.createElement("div");
      box.className = "am-popup";
      var title = document.createElement("h3");
      title.className = "nhsuk-heading-xs";
      title.textContent = group.rank + ". " + group.name;
      box.appendChild(title);
      line(box, group.travel);
      var link = document.createElement("a");
      link.href = group.url;
      link.textContent = "View " + group.name;
      box.appendChild(link);
      L.marker([group.lat, group.lon], {
        icon: L.divIcon({ className: "", html: badge, iconSize: [28, 28], iconAnchor: [14, 14] }),
        title: group.rank + ". " + group.name, alt: group.rank + ". " + group.name
      }).bindPopup(box).addTo(map);
      bounds.push([group.lat, group.lon]);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); }
    region.dataset.loaded = String(points.groups.length);
  }
  showMap();

  // ---- choosing groups for the plan ---------------------------------------------------------
  var planForm = document.getElementById("plan-form");
  if (planForm) {
    var boxes = Array.prototype.slice.call(planForm.querySelectorAll("input[name=choose]"));
    var count = document.getElementById("choose-count");
    var order = boxes.filter(function (box) { return box.checked; });
    function update() {
      order = order.filter(function (box) { return box.checked; });
      var n = order.length;
      count.textContent = n === 0 ? "" :
        n + " chosen" + (n > 5 ? ": please untick " + (n - 5) + ", a plan has room for 5" : " (up to 5)");
      count.classList.toggle("am-plan-form__count--over", n > 5);
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        order = order.filter(function (b) { return b !== box; });
        if (box.checked) { order.push(box); }
        update();
      });
    });
    // The plan lists the groups in the order they were ticked: the server reads "order".
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "order";
    planForm.appendChild(hidden);
    planForm.addEventListener("submit", function () {
      hidden.value = order.map(function (box) { return box.value; }).join(",");
    });
    // Boxes the browser ticks again on coming Back count too, in list order.
    window.addEventListener("pageshow", function () {
      boxes.forEach(function (box) {
        if (box.checked && order.indexOf(box) < 0) { order.push(box); }
      });
      update();
    });
    update();
  }

  // ---- interest suggestions for the word after the last comma -------------------------------
  var interests = document.getElementById("interests");
  var list = document.getElementById("interest-suggestions");
  if (interests && list) {
    var words = Array.prototype.map.call(list.options, function (o) { return o.value; });
    interests.addEventListener("input", function () {
      var text = interests.value;
      var cut = text.lastIndexOf(",");
      var before = cut < 0 ? "" : text.slice(0, cut + 1).replace(/\s*$/, " ");
      var typed = (cut < 0 ? text : text.slice(cut + 1)).trim().toLowerCase();
      var fresh = document.createDocumentFragment();
      words.forEach(function (word) {
        if (!typed || word.indexOf(typed) === 0 || word.indexOf(" " + typed) >= 0) {
          var option = document.createElement("option");
          option.value = before + word;
          fresh.appendChild(option);
        }
      });
      list.replaceChildren(fresh);
    });
  }
})();

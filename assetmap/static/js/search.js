// Live filtering: when a filter changes, fetch the same search page for the new URL and swap
// in its results, count and chips, without reloading (the map follows). Focus stays where it
// was and the count is announced (aria-live), so nothing moves under the user's feet.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var results = document.querySelector(".am-search__results");
  if (!form || !results || !window.fetch || !window.DOMParser) { return; }
  var SWAPPED = [".am-chips", "#search-notes", "#results", ".am-more"];
  var pending = null;

  function swap(fresh) {
    // The heading stays the same node, so its aria-live announces the new count.
    var heading = document.getElementById("results-heading");
    var freshHeading = fresh.getElementById("results-heading");
    if (heading && freshHeading) { heading.textContent = freshHeading.textContent; }
    SWAPPED.forEach(function (selector) {
      var now = results.querySelector(selector);
      var next = fresh.querySelector(".am-search__results " + selector);
      if (now && next) { now.replaceWith(next); }
      else if (now) { now.remove(); }
      else if (next) { results.appendChild(next); }
    });
    var region = document.getElementById("map-region");
    var freshRegion = fresh.getElementById("map-region");
    if (region && freshRegion) {
      region.dataset.filters = freshRegion.dataset.filters;
      region.dispatchEvent(new CustomEvent("filters-changed"));
    }
  }

  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    var url = form.action + "?" + params.toString();
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { signal: pending.signal, headers: { "Accept": "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        swap(new DOMParser().parseFromString(html, "text/html"));
        history.replaceState(null, "", url);
      })
      .catch(function () {});
  }

  form.addEventListener("change", function (event) {
    if (event.target.closest(".am-filters")) { refresh(); }
  });
})();

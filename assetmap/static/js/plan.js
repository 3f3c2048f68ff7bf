// The plan's typed fields (the person's name, the link worker's name and phone, the day to talk
// again): each is copied into text beside it, which is what prints, so the printed plan shows
// words rather than boxes. Nothing here is sent anywhere: the fields are in no form and have no
// names, so they never reach a URL or the server, and the browser is asked not to keep them.
(function () {
  "use strict";
  var plan = document.querySelector(".am-plan");
  if (!plan) { return; }
  plan.classList.add("am-plan--typed");
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"];

  function shown(input) {
    if (input.type === "date" && input.value) {
      var parts = input.value.split("-").map(Number);
      var day = new Date(parts[0], parts[1] - 1, parts[2]);
      return DAYS[day.getDay()] + " " + day.getDate() + " " + MONTHS[day.getMonth()] + " " +
        day.getFullYear();
    }
    return input.value.trim();
  }

  plan.querySelectorAll("[data-typed]").forEach(function (input) {
    var text = plan.querySelector('[data-typed-text="' + input.id + '"]');
    function copy() {
      text.textContent = shown(input);
      text.parentNode.classList.toggle("am-plan__typed--blank", !text.textContent);
    }
    input.addEventListener("input", copy);
    input.addEventListener("change", copy);
    copy();
  });
})();

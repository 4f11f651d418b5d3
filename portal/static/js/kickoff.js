// Kick-off pages: after an htmx swap, move focus somewhere sensible and announce the result.
(function () {
  "use strict";
  var MESSAGES = {
    "agreement": "The agreement is updated.",
    "goals": "Your goals are updated.",
    "goal-progress": "Progress noted.",
    "schedule": "Your meetings are updated.",
    "calendar-feed": "Your calendar feed is updated."
  };

  document.addEventListener("htmx:afterSwap", function (event) {
    var region = event.detail.target;
    if (!region || !MESSAGES.hasOwnProperty(region.id)) { return; }
    // outerHTML swaps replace the target: find the new element by its stable id.
    var fresh = document.getElementById(region.id);
    if (!fresh) { return; }
    var invalid = fresh.querySelector("[aria-invalid='true']");
    var status = document.getElementById("kickoff-status");
    if (invalid) {
      invalid.focus();
      if (status) { status.textContent = "Please check the highlighted field."; }
      return;
    }
    var heading = fresh.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    if (status) { status.textContent = MESSAGES[region.id]; }
  });
})();

// The prep page's Print button (no inline handlers: the CSP forbids them).
(function () {
  "use strict";
  if (window.horizonPrintBound) { return; }
  window.horizonPrintBound = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();

// Horizon's only script of its own. Pages work without it; it only improves feedback.
(function () {
  "use strict";

  // Tell the person when a request could not reach the server, and that nothing is lost.
  function showNetworkError(message) {
    var box = document.querySelector(".network-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "network-error";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = message;
    window.setTimeout(function () { box.remove(); }, 6000);
  }

  document.addEventListener("htmx:sendError", function () {
    showNetworkError("Horizon could not be reached. Your text is still here; try again in a moment.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 500) {
      showNetworkError("Something went wrong on our side. Nothing was half-saved; please try again.");
    } else if (status === 400) {
      showNetworkError("Your session token expired. Reload the page; your text is kept in the form.");
    }
  });
})();

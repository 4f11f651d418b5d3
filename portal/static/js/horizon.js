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
    } else if (status === 403 || status === 404) {
      showNetworkError("That page is not there, or not open to you (" + status + ").");
    } else {
      showNetworkError("The request was refused (" + status + "). Reload the page and try again.");
    }
  });
  // A boosted link or form that fails shows the server's error page, as it would without JS
  // (htmx does not swap a 4xx or 5xx by default, so nothing visible would happen).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var status = detail.xhr.status;
    if (detail.boosted && status >= 400 && status !== 422) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // --- After an htmx swap: focus somewhere sensible and say what happened. ---------------
  // The live region sits outside every swapped fragment, so screen readers hear each message.
  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region || !text) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 60);
  }

  // Only a person's own action moves focus; background polls and type-ahead never do.
  var FOCUS_TRIGGERS = { submit: true, click: true };

  function focusable(element) {
    if (!element.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: false });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    if (target && !target.isConnected && target.id) {
      target = document.getElementById(target.id);  // an outerHTML swap replaced it
    }
    if (!target || !target.isConnected || detail.boosted) { return; }
    var trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    var byPerson = trigger && FOCUS_TRIGGERS[trigger.type];
    var active = document.activeElement;
    var lostFocus = !active || active === document.body || !active.isConnected;
    var invalid = target.querySelector("[aria-invalid='true'], .field--invalid input, .field--invalid textarea, .field--invalid select");
    // A flash or field error says what happened; otherwise the region's own data-announce.
    var message = target.querySelector(".flash, .field__errors li") ||
      (target.matches("[data-announce]") ? target : target.querySelector("[data-announce]"));
    if (invalid) {
      announce("Please check the form: " + (message ? message.textContent.trim() : "a field needs attention."));
    } else if (message) {
      announce(message.getAttribute("data-announce") || message.textContent.trim());
    } else if (byPerson) {
      announce("Updated.");
    }
    if (!byPerson || !(lostFocus || target.contains(active))) { return; }
    if (invalid) {
      invalid.focus();
    } else {
      var heading = target.querySelector("h1, h2, h3, .flash");
      focusable(heading || target);
    }
  });

  // --- After a boosted link or form the whole body was replaced: focus would sit on <body>.
  // Focus the first invalid field, else the main heading; announce the flash, else the page.
  // The live region survives the swap (data-hx-preserve in base.html).
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail;
    if (!detail.boosted) { return; }
    var main = document.getElementById("main");
    if (!main) { return; }
    var invalid = main.querySelector("[aria-invalid='true']");
    var flash = main.querySelector(".flash");
    var heading = main.querySelector("h1");
    if (invalid) {
      invalid.focus();
    } else {
      focusable(heading || main);
    }
    announce(flash ? flash.textContent.trim() : document.title.replace(/ · Horizon$/, ""));
  });

  // --- Print buttons ([data-print]): the browser's own Print works without this. ----------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  // --- The account menu closes on Escape and gives focus back to its button. -------------
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = document.querySelector("details.user-menu[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });

  // --- Time zones: preselect the browser's zone while the person has not chosen one. -----
  function preselectTimeZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
    document.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
      var form = select.form;
      if (!zone || select.value !== "UTC" || (form && form.querySelector(".field--invalid"))) { return; }
      for (var i = 0; i < select.options.length; i += 1) {
        if (select.options[i].value === zone) { select.value = zone; return; }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", preselectTimeZone);
  } else {
    preselectTimeZone();
  }
  document.addEventListener("htmx:load", preselectTimeZone);
})();

/* twinwise: behaviour shared by every page. Loaded with `defer`; no inline script is
   allowed by the Content Security Policy, so pages pass data in data-* attributes. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // htmx sends the CSRF token with every request: the token sits in a data attribute on
  // <body> and becomes htmx's inherited hx-headers here (never in an inline script).
  var token = document.body.dataset.csrfToken;
  if (token) {
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
  }

  // -- registry -------------------------------------------------------------------------
  var RESULTS_ID = "registry-results";
  var narrow = window.matchMedia("(max-width: 56rem)");
  var openDetails = null;
  var focusResults = false;

  function results() {
    return document.getElementById(RESULTS_ID);
  }

  // On a phone the filters start folded so the results are near the top of the page.
  function foldFilters() {
    var panel = document.getElementById("filters-panel");
    if (panel) panel.open = !narrow.matches;
  }
  foldFilters();
  if (narrow.addEventListener) narrow.addEventListener("change", foldFilters);

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target && event.detail.target.id === RESULTS_ID) {
      var trigger = event.detail.elt;
      focusResults = !!(trigger && trigger.hasAttribute && trigger.hasAttribute("data-focus-results"));
      event.detail.target.setAttribute("aria-busy", "true");
    }
  });

  // htmx replaces the filters, so remember which disclosures were open and reopen them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === RESULTS_ID) {
      openDetails = {};
      event.detail.target.querySelectorAll("details[id]").forEach(function (d) {
        openDetails[d.id] = d.open;
      });
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var region = results();
    if (!region || openDetails === null) return;
    region.removeAttribute("aria-busy");
    Object.keys(openDetails).forEach(function (id) {
      var d = document.getElementById(id);
      // The filter panel keeps the state the reader left it in; a "show more" list also
      // opens when the server says a ticked value is inside it.
      if (d) d.open = id === "filters-panel" ? openDetails[id] : openDetails[id] || d.open;
    });
    openDetails = null;
    // Say the new count to screen readers, once, in a live region that is never replaced.
    var summary = region.querySelector("[data-result-summary]");
    var status = document.getElementById("registry-status");
    if (summary && status) status.textContent = summary.textContent.trim();
    // After a page link or a removed filter the clicked link is gone: continue at the results.
    if (focusResults) {
      var heading = document.getElementById("results-heading");
      if (heading) {
        heading.focus({ preventScroll: true });
        heading.scrollIntoView({ block: "start" });
      }
      focusResults = false;
    }
  });

  document.addEventListener("htmx:responseError", function () {
    var region = results();
    if (region) region.removeAttribute("aria-busy");
    var status = document.getElementById("registry-status");
    if (status) status.textContent = status.dataset.errorText || "";
  });
})();

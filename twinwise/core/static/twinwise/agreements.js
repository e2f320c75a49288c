// Agreement review pages: the severity filter and the print button (no inline script: CSP).
(function () {
  "use strict";

  function applyFilter(filter) {
    var shown = {};
    filter.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      shown[box.value] = box.checked;
    });
    document.querySelectorAll(".finding[data-severity]").forEach(function (finding) {
      finding.hidden = !shown[finding.dataset.severity];
    });
    document.querySelectorAll(".clause[data-severities]").forEach(function (clause) {
      var levels = clause.dataset.severities.split(" ");
      clause.hidden = !levels.some(function (level) { return shown[level]; });
    });
  }

  function init() {
    var filter = document.querySelector("[data-severity-filter]");
    if (filter) {
      filter.hidden = false;
      filter.addEventListener("change", function () { applyFilter(filter); });
    }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

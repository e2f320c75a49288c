/* Report pages: a Print button (no inline onclick under the CSP) and the error summary. */
(function () {
  "use strict";

  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();

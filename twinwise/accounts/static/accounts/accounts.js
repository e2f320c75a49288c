/* Account pages: focus the error summary after a failed submit, and copy-to-clipboard
   buttons for a new token or recovery codes. No inline script (CSP). */
(function () {
  "use strict";
  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.dataset.copyTarget);
      if (!target) return;
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var status = document.getElementById(button.dataset.copyStatus);
        if (status) status.textContent = button.dataset.copiedText || "";
      });
    });
  });
})();

/* The experience-report form: pickers, search on Enter, local times and the error summary.
   Autosave itself is htmx (hx-post on the form, triggered by changes with a delay); this
   file only adds what htmx cannot do declaratively. No inline script (CSP). */
(function () {
  "use strict";

  var form = document.getElementById("case-form");
  if (!form) return;

  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  // "Draft saved 10:42" in the reader's own time zone rather than the server's.
  function localTimes(root) {
    (root || document).querySelectorAll("time[data-local-time]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    });
  }
  localTimes();
  document.addEventListener("htmx:afterSettle", function (event) { localTimes(event.target); });

  // Enter in a picker's search box searches; it must not submit the whole report.
  form.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.matches || !box.matches("[data-enter-search]")) return;
    event.preventDefault();
    if (window.htmx) window.htmx.trigger(box, "search");
  });

  // A ticked search result joins the chosen list, so the next search does not wipe it out.
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.checked || !input.closest) return;
    var results = input.closest("[data-picker-results]");
    if (!results) return;
    var field = results.closest("fieldset, .field");
    var chosen = field && field.querySelector("[data-picker-chosen]");
    var item = input.closest("li");
    if (!chosen || !item) return;
    var none = chosen.querySelector(".picker__none");
    if (none) none.remove();
    chosen.appendChild(item);
    input.focus();
  });
})();

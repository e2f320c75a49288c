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

  // Choosing another sharing level re-renders the recipient pickers (#recipients). What the
  // person typed into a picker's search box while that answer was on its way is kept,
  // searched again and keeps the focus, rather than vanishing under their fingers.
  var typed = {}, focused = null;
  function fromSharingChoice(event) {
    // detail.elt is the swap's target; requestConfig.elt the element that asked.
    var config = event.detail && event.detail.requestConfig;
    return Boolean(config && config.elt && config.elt.id === "tlp-choice");
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!fromSharingChoice(event)) return;
    typed = {};
    focused = document.activeElement && document.activeElement.id;
    form.querySelectorAll("#recipients [data-enter-search]").forEach(function (box) {
      if (box.value) typed[box.id] = box.value;
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!fromSharingChoice(event)) return;
    Object.keys(typed).forEach(function (id) {
      var box = document.getElementById(id);
      if (!box || box.value) return;
      box.value = typed[id];
      if (window.htmx) window.htmx.trigger(box, "search");
    });
    var again = focused && document.getElementById(focused);
    if (again && again.matches("[data-enter-search]")) again.focus();
    typed = {};
    focused = null;
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

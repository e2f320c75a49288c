/* Bar charts with the vendored Chart.js. The numbers come from a json_script block; each
   canvas has role="img", a label, and a table with the same numbers next to it. */
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof Chart === "undefined") return;
  var data = JSON.parse(node.textContent);
  var css = getComputedStyle(document.documentElement);
  var accent = css.getPropertyValue("--accent").trim() || "#1d4f91";
  var text = css.getPropertyValue("--text").trim() || "#1b1b1b";
  var grid = css.getPropertyValue("--border-light").trim() || "#dcdfe1";
  var calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = "'Source Sans 3', system-ui, sans-serif";
  Chart.defaults.font.size = 14;
  Chart.defaults.color = text;

  function bar(id, series, horizontal) {
    var canvas = document.getElementById(id);
    if (!canvas || !series || !series.values.length) return;
    var valueAxis = { beginAtZero: true, ticks: { precision: 0 }, grid: { color: grid } };
    var labelAxis = { grid: { display: false } };
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [{ label: canvas.dataset.unit || "", data: series.values, backgroundColor: accent, maxBarThickness: 48 }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: calm ? false : { duration: 300 },
        plugins: { legend: { display: false } },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      },
    });
  }

  bar("chart-decade", data.decade, false);
  bar("chart-kind", data.kind, true);
})();

/* Survey charts with the vendored Chart.js. The numbers come from json_script blocks
   (#survey-charts: one entry per canvas id; #trend-chart-data: the year-over-year chart,
   replaced by htmx when another question is chosen). Every chart has a table beside it. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var css = getComputedStyle(document.documentElement);
  var palette = [css.getPropertyValue("--accent").trim() || "#1d4f91", "#8a5a00", "#2e7d5b", "#7a3b69", "#5b6770", "#a03c2c", "#3b6fa0", "#6b7f1a", "#4b3f8f"];
  var text = css.getPropertyValue("--text").trim() || "#1b1b1b";
  var grid = css.getPropertyValue("--border-light").trim() || "#dcdfe1";
  var calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var charts = {};

  Chart.defaults.font.family = "'Source Sans 3', system-ui, sans-serif";
  Chart.defaults.font.size = 14;
  Chart.defaults.color = text;

  function draw(id, spec) {
    var canvas = document.getElementById(id);
    if (!canvas || !spec || !spec.labels || !spec.labels.length) return;
    if (charts[id]) charts[id].destroy();
    var line = spec.type === "line";
    var valueAxis = { beginAtZero: true, grid: { color: grid }, ticks: { callback: function (v) { return spec.percent ? v + " %" : v; } } };
    if (spec.percent) valueAxis.max = 100;
    var labelAxis = { grid: { display: false } };
    charts[id] = new Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          var colour = palette[i % palette.length];
          return { label: d.label, data: d.values, backgroundColor: colour, borderColor: colour, maxBarThickness: 40, pointRadius: 4, tension: 0 };
        }),
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: calm ? false : { duration: 300 },
        plugins: { legend: { display: spec.datasets.length > 1, position: "bottom" } },
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      },
    });
  }

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var all = read("survey-charts") || {};
  Object.keys(all).forEach(function (id) { draw(id, all[id]); });
  draw("chart-trend", read("trend-chart-data"));
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "trend") draw("chart-trend", read("trend-chart-data"));
  });
})();

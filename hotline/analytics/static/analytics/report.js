/* Draws the charts of analytics/report_body.html with ECharts (load echarts first).
 * Each <div data-echarts="ID"> gets the option held in <script type="application/json" id="ID">
 * (Django's json_script). Runs on load and after htmx swaps; window.drawReportCharts(root)
 * does it by hand. */
(function () {
  "use strict";
  const drawn = new Set();

  function draw(root) {
    if (typeof echarts === "undefined") return;
    (root || document).querySelectorAll("[data-echarts]").forEach(function (el) {
      if (el.dataset.echartsDrawn) return;
      const source = document.getElementById(el.dataset.echarts);
      if (!source) return;
      const chart = echarts.init(el, null, {renderer: "svg"});
      chart.setOption(JSON.parse(source.textContent));
      el.dataset.echartsDrawn = "1";
      drawn.add(chart);
    });
  }

  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) {
      if (!chart.getDom().isConnected) { chart.dispose(); drawn.delete(chart); } else chart.resize();
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  window.drawReportCharts = draw;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
})();

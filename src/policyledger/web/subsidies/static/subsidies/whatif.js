// What-if chart (ECharts, vendored): baseline vs scenario funded money by district.
// Data comes from the page's json_script block (no inline script; strict CSP).
(function () {
  "use strict";
  var el = document.getElementById("whatif-chart");
  var src = document.getElementById("whatif-data");
  if (!el || !src || !window.echarts) { return; }
  var data = JSON.parse(src.textContent);
  // Integer fen -> yuan for the axis only (display); the tables show the exact figures.
  function yuan(fen) { return Math.round(fen) / 100; }
  // District names come from uploaded files: the tooltip is HTML, so every text is escaped.
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function money(yuanValue) {
    return Number(yuanValue).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  var chart = window.echarts.init(el);
  chart.setOption({
    tooltip: {
      trigger: "axis",
      formatter: function (items) {
        var lines = [esc(items.length ? items[0].name : "")];
        items.forEach(function (it) { lines.push(esc(it.seriesName) + "：" + money(it.value) + " 元"); });
        return lines.join("<br>");
      }
    },
    legend: { bottom: 0, data: ["基线（现行）", "方案"] },
    grid: { left: 80, right: 20, top: 20, bottom: 70 },
    xAxis: { type: "category", data: data.districts, axisLabel: { rotate: 30 } },
    yAxis: { type: "value", name: "元" },
    series: [
      { name: "基线（现行）", type: "bar", data: data.baseline_funded_fen.map(yuan) },
      { name: "方案", type: "bar", data: data.scenario_funded_fen.map(yuan) }
    ]
  });
  el.setAttribute("data-ready", "1");
  window.addEventListener("resize", function () { chart.resize(); });
})();

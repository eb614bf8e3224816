// Coverage matrix (parent measure × region), from the JSON the page embeds (CSP: no inline script).
(function () {
  var node = document.getElementById("coverage-chart");
  var data = document.getElementById("coverage-data");
  if (!node || !data || !window.echarts) return;
  var m = JSON.parse(data.textContent);
  var chart = window.echarts.init(node);
  chart.setOption({
    tooltip: { formatter: function (p) { return m.measures[p.value[1]] + "<br>" + m.regions[p.value[0]] + "：" + p.value[2] + " 条"; } },
    grid: { left: 220, top: 40, right: 20, bottom: 60 },
    xAxis: { type: "category", data: m.regions, position: "top" },
    yAxis: { type: "category", data: m.measures, inverse: true },
    visualMap: { min: 0, max: 3, calculable: false, orient: "horizontal", left: "center", bottom: 10, inRange: { color: ["#f4f4f4", "#2f7ed8"] } },
    series: [{ type: "heatmap", data: m.cells, label: { show: true } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

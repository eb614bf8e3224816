// Charts of the monitoring pages, from the JSON the page embeds (json_script): no inline script.
(function () {
  "use strict";
  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function num(list) {
    return list.map(function (v) { return v === null ? null : Number(v); });
  }
  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node || typeof echarts === "undefined") return;
    echarts.init(node).setOption(option);
  }
  var targets = read("monitoring-targets");
  (targets || []).forEach(function (c) {
    draw("chart-target-" + c.id, {
      tooltip: { trigger: "axis" },
      legend: { data: ["实际", "目标进度"] },
      xAxis: { type: "category", data: c.months },
      yAxis: { type: "value", name: c.unit },
      series: [
        { name: "实际", type: "line", data: num(c.actual), connectNulls: false },
        { name: "目标进度", type: "line", data: num(c.path), lineStyle: { type: "dashed" } },
      ],
    });
  });
  var a = read("analysis-data");
  if (a) {
    draw("chart-categories", {
      tooltip: {}, grid: { left: 140 },
      xAxis: { type: "value", name: "%" },
      yAxis: { type: "category", data: a.categories.slice().reverse() },
      series: [{ type: "bar", data: num(a.category_yoy).reverse() }],
    });
    draw("chart-regions", {
      tooltip: {}, xAxis: { type: "category", data: a.regions }, yAxis: { type: "value", name: "%" },
      series: [{ type: "bar", data: num(a.region_yoy) }],
    });
    draw("chart-trend", {
      tooltip: { trigger: "axis" }, legend: { data: ["本月", "同比%"] },
      xAxis: { type: "category", data: a.trend_months },
      yAxis: [{ type: "value" }, { type: "value", name: "%" }],
      series: [
        { name: "本月", type: "bar", data: num(a.trend_values) },
        { name: "同比%", type: "line", yAxisIndex: 1, data: num(a.trend_yoy) },
      ],
    });
  }
})();

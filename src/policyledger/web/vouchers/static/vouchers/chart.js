// Leverage charts (ECharts, vendored). Data comes from the page's JSON endpoint: no inline script.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  document.querySelectorAll(".chart[data-src]").forEach(function (el) {
    fetch(el.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var bySector = el.getAttribute("data-kind") === "sector";
        var rows = bySector ? data.by_sector : data.by_day;
        var names = rows.map(function (r) { return bySector ? r.sector : r.day; });
        // Money arrives in integer fen (docs/api.md); the axis shows yuan.
        var yuan = function (fen) { return fen / 100; };
        var chart = window.echarts.init(el);
        chart.setOption({
          title: { text: bySector ? "按行业" : "按日", left: "center", textStyle: { fontSize: 14 } },
          tooltip: { trigger: "axis" },
          legend: { bottom: 0, data: ["消费总额（元）", "政府补贴（元）", "杠杆率"] },
          grid: { left: 60, right: 50, top: 40, bottom: 50 },
          xAxis: { type: "category", data: names },
          yAxis: [{ type: "value", name: "元" }, { type: "value", name: "倍" }],
          series: [
            { name: "消费总额（元）", type: "bar", data: rows.map(function (r) { return yuan(r.bills_fen); }) },
            { name: "政府补贴（元）", type: "bar", data: rows.map(function (r) { return yuan(r.gov_fen); }) },
            { name: "杠杆率", type: "line", yAxisIndex: 1, data: rows.map(function (r) { return r.leverage; }) }
          ]
        });
        window.addEventListener("resize", function () { chart.resize(); });
      });
  });
})();

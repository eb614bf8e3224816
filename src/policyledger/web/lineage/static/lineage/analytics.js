// 文件库分析: money stacked bars, document timeline, citation graph (CSP: data from json_script).
(function () {
  var data = document.getElementById("analytics-data");
  if (!data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var charts = [];
  var colors = ["#c23531", "#2f7ed8", "#61a0a8", "#d48265", "#91c7ae"];

  var money = document.getElementById("money-chart");
  if (money) {
    var m = echarts.init(money);
    m.setOption({
      color: colors,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + " 万元"; } },
      legend: { top: 0 },
      grid: { left: 70, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: d.money.sectors },
      yAxis: { type: "value", name: "万元" },
      series: d.money.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "money", data: s.data.map(Number) };
      })
    });
    charts.push(m);
  }

  var timeline = document.getElementById("timeline-chart");
  if (timeline) {
    var t = echarts.init(timeline);
    var byLevel = d.timeline.levels.map(function (level) {
      return {
        name: level, type: "scatter", symbolSize: 12,
        data: d.timeline.points.filter(function (p) { return p.level === level; })
          .map(function (p) { return { value: [p.date, level], name: p.title }; })
      };
    });
    t.setOption({
      color: colors,
      tooltip: { formatter: function (p) { return p.data.value[0] + "<br>" + p.data.name; } },
      grid: { left: 70, right: 30, top: 20, bottom: 40 },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: d.timeline.levels, inverse: true },
      series: byLevel
    });
    charts.push(t);
  }

  var graph = document.getElementById("graph-chart");
  if (graph) {
    var g = echarts.init(graph);
    g.setOption({
      color: colors,
      tooltip: {},
      legend: { data: d.graph.categories.map(function (c) { return c.name; }) },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: { repulsion: 120, edgeLength: 80 },
        categories: d.graph.categories,
        data: d.graph.nodes, links: d.graph.links,
        edgeSymbol: ["none", "arrow"], label: { show: d.graph.nodes.length <= 30, position: "right" }
      }]
    });
    g.on("click", function (p) {
      if (p.dataType === "node" && p.data.url) window.location.href = p.data.url;
    });
    charts.push(g);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

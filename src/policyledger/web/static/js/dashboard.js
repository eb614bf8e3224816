// Dashboard charts (ECharts). Data comes from the JSON endpoint named in data-url; a click on a
// bar or slice opens the task list behind it (data-drill-url). No inline script: CSP.
(function () {
  "use strict";

  var root = document.getElementById("dashboard");
  if (!root || !window.echarts) { return; }
  var drillUrl = root.getAttribute("data-drill-url");
  var documentId = root.getAttribute("data-document");
  var charts = [];
  var COLORS = { done: "#2e7d32", open: "#1c5fa8", overdue: "#c62828", warn: "#b26a00" };
  var STATUS_COLORS = { not_started: "#90a4ae", in_progress: "#1c5fa8", done: "#2e7d32", lagging: "#c62828" };
  var FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

  // Tooltip formatters return HTML: every name that comes from data (unit names are typed in by
  // administrators and imported from documents) is escaped before it is put into it.
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function drill(params) {
    var query = new URLSearchParams(params);
    if (documentId) { query.set("document", documentId); }
    window.location.href = drillUrl + "?" + query.toString();
  }

  function chart(id, option, onClick) {
    var el = document.getElementById(id);
    var instance = window.echarts.init(el, null, { renderer: "canvas" });
    option.textStyle = { fontFamily: FONT };
    option.animation = false;  // figures appear at once, and screenshots are stable
    instance.setOption(option);
    if (onClick) {
      instance.on("click", onClick);
      el.classList.add("clickable");
    }
    el.setAttribute("data-ready", "1");
    charts.push(instance);
    return instance;
  }

  function empty(id, text) {
    var el = document.getElementById(id);
    el.textContent = text || "暂无数据";
    el.classList.add("chart-empty");
    el.setAttribute("data-ready", "1");
  }

  function kpis(data) {
    var s = data.summary;
    var shown = {
      tasks: s.tasks, done: s.done, rate: s.rate.toFixed(1) + "%", progress: s.progress.toFixed(1) + "%",
      overdue: s.overdue, due_soon: s.due_soon, committed_label: s.committed_label
    };
    Object.keys(shown).forEach(function (key) {
      var el = root.querySelector('[data-kpi="' + key + '"]');
      if (el) { el.textContent = shown[key]; }
    });
    var asOf = document.getElementById("as-of");
    if (asOf) { asOf.textContent = data.period ? "截至" + data.as_of_label : "截至今日（" + data.as_of_label + "）"; }
  }

  // Label a bar only when it has a length; forty "0%" labels say nothing.
  function nonZero(p) { return p.value ? p.value + "%" : ""; }

  function unitsChart(units) {
    if (!units.length) { return empty("chart-units"); }
    var rows = units.slice().reverse();  // largest unit at the top
    var el = document.getElementById("chart-units");
    el.style.height = Math.max(260, 34 * rows.length + 80) + "px";
    chart("chart-units", {
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (items) {
          var u = rows[items[0].dataIndex];
          return esc(u.name) + "<br>任务 " + u.total + " 项，已完成 " + u.done + " 项，逾期 " + u.overdue +
            " 项<br>完成率 " + u.rate + "%，平均进度 " + u.progress + "%";
        }
      },
      legend: { data: ["完成率", "平均进度"], top: 0 },
      grid: { left: 10, right: 40, top: 30, bottom: 10, containLabel: true },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: rows.map(function (u) { return u.name; }),
               axisLabel: { width: 150, overflow: "truncate" } },
      series: [
        { name: "完成率", type: "bar", barMaxWidth: 14, data: rows.map(function (u) { return u.rate; }),
          itemStyle: { color: COLORS.done }, label: { show: true, position: "right", formatter: nonZero } },
        { name: "平均进度", type: "bar", barMaxWidth: 14, data: rows.map(function (u) { return u.progress; }),
          itemStyle: { color: COLORS.open }, label: { show: true, position: "right", formatter: nonZero } }
      ]
    }, function (p) { drill({ unit: rows[p.dataIndex].id }); });
  }

  function statusChart(statuses) {
    var total = statuses.reduce(function (n, s) { return n + s.count; }, 0);
    if (!total) { return empty("chart-status"); }
    chart("chart-status", {
      tooltip: { trigger: "item", formatter: "{b}：{c} 项（{d}%）" },
      legend: { bottom: 0 },
      series: [{
        type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
        label: { formatter: "{b}\n{c} 项" },
        data: statuses.map(function (s) {
          return { name: s.label, value: s.count, code: s.code, itemStyle: { color: STATUS_COLORS[s.code] } };
        })
      }]
    }, function (p) { drill({ status: p.data.code }); });
  }

  function sectorChart(sectors) {
    if (!sectors.length) { return empty("chart-sectors", "暂无资金类目标"); }
    chart("chart-sectors", {
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (items) {
          var s = sectors[items[0].dataIndex];
          return esc(s.sector) + "：" + esc(s.label) + "（" + s.targets + " 项目标）";
        }
      },
      grid: { left: 10, right: 20, top: 36, bottom: 10, containLabel: true },
      xAxis: { type: "category", data: sectors.map(function (s) { return s.sector; }) },
      yAxis: { type: "value", name: "万元", axisLabel: { formatter: function (v) { return v.toLocaleString("zh-CN"); } } },
      series: [{
        type: "bar", barMaxWidth: 56, data: sectors.map(function (s) { return s.wan; }),
        itemStyle: { color: "#b8282e" },
        label: { show: true, position: "top", formatter: function (p) { return sectors[p.dataIndex].label; } }
      }]
    }, function (p) { drill({ sector: sectors[p.dataIndex].sector }); });
  }

  function timelineChart(timeline) {
    if (!timeline.length) { return empty("chart-timeline", "暂无设定完成时限的任务"); }
    var months = timeline.map(function (m) { return m.label; });
    function series(name, key, color) {
      return { name: name, type: "bar", stack: "deadline", data: timeline.map(function (m) { return m[key]; }),
               barMaxWidth: 56, itemStyle: { color: color }, emphasis: { focus: "series" } };
    }
    chart("chart-timeline", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 10, right: 20, top: 30, bottom: timeline.length > 12 ? 50 : 10, containLabel: true },
      xAxis: { type: "category", data: months },
      yAxis: { type: "value", name: "任务数", minInterval: 1 },
      dataZoom: timeline.length > 12 ? [{ type: "slider", bottom: 5 }] : [],
      series: [
        series("已完成", "done", COLORS.done),
        series("未到期", "open", COLORS.open),
        series("已逾期", "overdue", COLORS.overdue)
      ]
    }, function (p) { drill({ due: timeline[p.dataIndex].month }); });
  }

  fetch(root.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      kpis(data);
      unitsChart(data.units);
      statusChart(data.statuses);
      sectorChart(data.sectors);
      timelineChart(data.timeline);
      root.setAttribute("data-loaded", "1");
    })
    .catch(function () {
      document.getElementById("dashboard-error").hidden = false;
      root.setAttribute("data-loaded", "error");
    });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();

// The plan's time axis: phases and dated tasks as bars, a line for today, overdue bars in red.
(function () {
  "use strict";
  var element = document.getElementById("timeline");
  var source = document.getElementById("timeline-data");
  if (!element || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var DAY = 86400000;
  var rows = [];
  data.phases.forEach(function (p) {
    rows.push({ label: p.name, start: p.start, end: p.end, kind: "phase" });
  });
  data.tasks.forEach(function (t) {
    rows.push({ label: t.label, start: t.start, end: t.end, kind: t.overdue ? "overdue" : t.status, progress: t.progress, milestone: t.milestone });
  });
  var colours = { phase: "#4a6fa5", overdue: "#c53030", done: "#0b6e4f", cancelled: "#9aa5b1", blocked: "#b44d12" };
  var labels = rows.map(function (r) { return r.label; });
  var items = rows.map(function (r, i) {
    return {
      value: [i, Date.parse(r.start), Date.parse(r.end) + DAY, r.progress, r.milestone ? 1 : 0],
      itemStyle: { color: colours[r.kind] || "#d69e2e" },
      name: r.label
    };
  });
  var chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 260, right: 30, top: 30, bottom: 30 },
    tooltip: {
      formatter: function (p) {
        var v = p.value;
        var text = p.name + "<br>" + new Date(v[1]).toISOString().slice(0, 10) + " — " + new Date(v[2] - DAY).toISOString().slice(0, 10);
        return v[3] === undefined ? text : text + " · " + v[3] + "%";
      }
    },
    // The axis always reaches today, so the today line shows on plans that ended or not yet begun.
    xAxis: {
      type: "time", position: "top",
      min: Math.min(Date.parse(data.start), Date.parse(data.today) - 30 * DAY),
      // Tasks due after the plan's period (e.g. late follow-ups) stay on the axis too.
      max: Math.max(Date.parse(data.end) + DAY, Date.parse(data.today) + 30 * DAY,
        Math.max.apply(null, rows.map(function (r) { return Date.parse(r.end) + 15 * DAY; })))
    },
    yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 240, overflow: "truncate" } },
    dataZoom: rows.length > 30 ? [{ type: "slider", yAxisIndex: 0, startValue: 0, endValue: 29, right: 0 }] : [],
    series: [{
      type: "custom",
      encode: { x: [1, 2], y: 0 },
      data: items,
      renderItem: function (params, api) {
        var start = api.coord([api.value(1), api.value(0)]);
        var end = api.coord([api.value(2), api.value(0)]);
        var height = Math.min(api.size([0, 1])[1] * 0.6, 16);
        if (api.value(4)) {
          // A task with only a due date is a deadline: a diamond on that day.
          return {
            type: "polygon",
            shape: { points: [[end[0], end[1] - height / 2], [end[0] + height / 2, end[1]], [end[0], end[1] + height / 2], [end[0] - height / 2, end[1]]] },
            style: api.style()
          };
        }
        return {
          type: "rect",
          shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height: height },
          style: api.style()
        };
      },
      markLine: {
        silent: true, symbol: "none",
        lineStyle: { color: "#c53030", type: "solid", width: 2 },
        label: { formatter: data.today },
        data: [{ xAxis: Date.parse(data.today) }]
      }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

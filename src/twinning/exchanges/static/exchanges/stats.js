// Exchange statistics: exchanges per month (held and planned), per kind and per province.
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var charts = [];
  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }
  draw("chart-months", {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: [labels.held, labels.planned] },
    grid: { left: 40, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    dataZoom: data.months.length > 36 ? [{ type: "slider", startValue: data.months.length - 36 }] : [],
    series: [
      { name: labels.held, type: "bar", stack: "n", data: data.held, itemStyle: { color: "#0b6e4f" } },
      { name: labels.planned, type: "bar", stack: "n", data: data.planned, itemStyle: { color: "#d69e2e" } },
      { name: labels.held, type: "line", data: data.held, smooth: true, symbol: "none", lineStyle: { color: "#4a6fa5" }, tooltip: { show: false } }
    ]
  });
  draw("chart-kinds", {
    animation: false,
    tooltip: {},
    grid: { left: 100, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.kinds, inverse: true },
    series: [{ type: "bar", data: data.kind_counts, itemStyle: { color: "#4a6fa5" } }]
  });
  draw("chart-provinces", {
    animation: false,
    tooltip: {},
    grid: { left: 100, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.provinces, inverse: true },
    series: [{ type: "bar", data: data.province_counts, itemStyle: { color: "#0b6e4f" } }]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

// Held exchanges per month, stacked by kind (the Ministry's dashboard).
(function () {
  "use strict";
  var element = document.getElementById("exchanges-chart");
  var data = document.getElementById("exchanges-data");
  if (!element || !data || typeof echarts === "undefined") { return; }
  var chart = JSON.parse(data.textContent);
  var plot = echarts.init(element, null, { renderer: "canvas" });
  plot.setOption({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 56 },
    xAxis: { type: "category", data: chart.months },
    yAxis: { type: "value", minInterval: 1 },
    dataZoom: [{ type: "slider", height: 18, bottom: 8 }],
    series: chart.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "all", data: s.data };
    })
  });
  window.addEventListener("resize", function () { plot.resize(); });
  element.setAttribute("data-months", String(chart.months.length));
})();

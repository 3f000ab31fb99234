// A region's monthly series of one indicator, with each target's trajectory from the baseline,
// the target value as a line and the forecast towards the due date as a shaded range.
(function () {
  "use strict";
  var element = document.getElementById("region-chart");
  var source = document.getElementById("chart-data");
  if (!element || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var unit = data.indicator.unit;
  var labels = data.labels;
  var series = [{
    name: labels.series, type: "line", data: data.series, showSymbol: data.series.length < 40,
    symbolSize: 5, lineStyle: { width: 2, color: "#0b6e4f" }, itemStyle: { color: "#0b6e4f" }, z: 5
  }];
  var legend = [labels.series];
  data.targets.forEach(function (target) {
    series.push({
      name: labels.trajectory, type: "line", data: target.trajectory, showSymbol: false,
      lineStyle: { type: "dashed", width: target.current ? 2 : 1, color: "#4a6fa5", opacity: target.current ? 1 : 0.5 },
      itemStyle: { color: "#4a6fa5" },
      markPoint: {
        symbol: "pin", symbolSize: 36,
        data: [{ coord: [target.due, target.value], value: target.value, itemStyle: { color: "#c53030" } }]
      },
      markLine: target.current ? {
        silent: true, symbol: "none",
        lineStyle: { color: "#c53030", type: "solid", width: 1 },
        label: { formatter: labels.target + " " + target.value + " " + unit, position: "insideEndTop" },
        data: [{ yAxis: target.value }]
      } : undefined
    });
  });
  if (data.targets.length) { legend.push(labels.trajectory); }
  if (data.band.length) {
    // The range as two stacked lines: the low bound (invisible) and the width above it (shaded).
    series.push({
      name: labels.range, type: "line", stack: "band", symbol: "none", silent: true,
      lineStyle: { opacity: 0 }, itemStyle: { color: "#d69e2e" },
      data: data.band.map(function (b) { return [b[0], b[2]]; })
    });
    series.push({
      name: labels.range, type: "line", stack: "band", symbol: "none", silent: true,
      lineStyle: { opacity: 0 }, itemStyle: { color: "#d69e2e" },
      areaStyle: { color: "#d69e2e", opacity: 0.3 },
      data: data.band.map(function (b) { return [b[0], b[3] - b[2]]; })
    });
    series.push({
      name: labels.forecast, type: "line", symbol: "none",
      lineStyle: { type: "dotted", width: 2, color: "#b7791f" }, itemStyle: { color: "#b7791f" },
      data: data.band.map(function (b) { return [b[0], b[1]]; })
    });
    legend.push(labels.forecast, labels.range);
  }
  var chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    legend: { data: legend, top: 0 },
    grid: { left: 60, right: 40, top: 40, bottom: 60 },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        var value = Array.isArray(p.value) ? p.value : [null, p.value];
        var day = value[0] ? String(value[0]).slice(0, 7) + " · " : "";
        return p.seriesName + "<br>" + day + Number(value[1]).toFixed(2) + " " + unit;
      }
    },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: unit, scale: true },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 10 }],
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
  element.setAttribute("data-points", String(data.series.length));
})();

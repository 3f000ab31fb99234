// The bulletin page's charts (ECharts): exchanges by kind and by month, reporting, targets.
// Clicking a bar or point opens the records that number counts (its trace page).
(function () {
  var source = document.getElementById("bulletin-charts");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var script = document.currentScript || document.querySelector("script[data-trace-url]");
  var traceUrl = script ? script.getAttribute("data-trace-url") : "";

  function draw(id, series, type) {
    var box = document.getElementById(id);
    if (!box || !series || !series.values.length) {
      if (box) box.style.display = "none";
      return;
    }
    var chart = echarts.init(box);
    chart.setOption({
      title: { text: series.title, left: "center", textStyle: { fontSize: 14 } },
      grid: { left: 40, right: 20, bottom: 40, top: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: series.labels, axisLabel: { interval: 0, rotate: series.labels.length > 5 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: type, data: series.values, label: { show: true, position: "top" }, itemStyle: { color: "#c00000" } }]
    });
    chart.on("click", function (params) {
      var key = series.keys[params.dataIndex];
      if (key && traceUrl) window.location.href = traceUrl.replace("KEY", encodeURIComponent(key));
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  draw("chart-kinds", data.kinds, "bar");
  draw("chart-months", data.months, "line");
  draw("chart-reporting", data.reporting, "bar");
  draw("chart-targets", data.targets, "bar");
})();

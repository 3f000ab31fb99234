// One indicator over the provinces: a choropleth on the map of China (features named like
// "河北"), coloured from the worst to the best value by the indicator's direction.
(function () {
  "use strict";
  var element = document.getElementById("choropleth");
  var source = document.getElementById("map-data");
  if (!element || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var unit = data.indicator.unit;
  var rows = data.provinces.filter(function (p) { return p.value !== null; });
  var values = rows.map(function (p) { return p.value; });
  var low = Math.min.apply(null, values);
  var high = Math.max.apply(null, values);
  if (low === high) { high = low + 1; }
  // Green is better: for lower-is-better indicators the scale runs the other way.
  var colours = ["#fde2d4", "#fff3c4", "#d5f5e3", "#0b6e4f"];
  if (data.indicator.direction === "lower") { colours = colours.slice().reverse(); }
  var chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        if (!p.data || p.data.value === undefined || p.data.value === null) {
          return p.name + " · " + data.labels.none;
        }
        var text = p.name + " · " + p.data.value.toLocaleString() + " " + unit;
        return p.data.demo ? text + " · " + data.labels.demo : text;
      }
    },
    visualMap: {
      min: Math.floor(low), max: Math.ceil(high), left: 10, bottom: 10, calculable: true,
      precision: 1, inRange: { color: colours }
    },
    series: [{
      type: "map", map: "china", roam: true, zoom: 1.15,
      boundingCoords: [[73, 54], [136, 17]],
      itemStyle: { areaColor: "#eef2f6", borderColor: "#9fb3c8" },
      emphasis: { label: { show: false }, itemStyle: { areaColor: "#dbe7f3" } },
      data: rows.map(function (p) { return { name: p.name, value: p.value, code: p.code, demo: p.demo }; })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  element.setAttribute("data-provinces", String(rows.length));
})();

// The overview map: each pair is a line from its leading region to its partner region.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var data = document.getElementById("map-lines");
  if (!element || !data || typeof echarts === "undefined") { return; }
  var script = document.currentScript;
  var listUrl = script.getAttribute("data-detail-url");
  var subLabel = script.getAttribute("data-sub-label");
  // The legend under the map names the levels in the page's language.
  var levelLabels = {};
  document.querySelectorAll("#map-legend [data-level]").forEach(function (item) {
    levelLabels[item.getAttribute("data-level")] = item.textContent.trim();
  });
  var lines = JSON.parse(data.textContent);
  // Lines are coloured by the pair's health (green / amber / red); grey until it is computed.
  var colours = { green: "#2f9e44", amber: "#f08c00", red: "#e03131" };
  var noHealth = "#9aa5b1";
  var points = {};
  lines.forEach(function (line) {
    line.coords.forEach(function (c) { points[c.join(",")] = c; });
  });
  var chart = echarts.init(element, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        if (p.seriesType !== "lines") { return ""; }
        var level = p.data.health ? " · " + (levelLabels[p.data.health] || p.data.health) : "";
        return p.data.name + (p.data.sub ? " (" + subLabel + ")" : "") + level;
      }
    },
    geo: {
      map: "china", roam: true, zoom: 1.15,
      boundingCoords: [[73, 54], [136, 17]],
      itemStyle: { areaColor: "#eef2f6", borderColor: "#9fb3c8" },
      emphasis: { itemStyle: { areaColor: "#dbe7f3" }, label: { show: false } },
      label: { show: false }
    },
    series: [
      {
        type: "lines", coordinateSystem: "geo", zlevel: 2,
        data: lines.map(function (line) {
          return {
            id: line.id, name: line.name, sub: line.sub, coords: line.coords, health: line.health,
            lineStyle: {
              color: colours[line.health] || noHealth, width: line.sub ? 1.2 : 2.2,
              type: line.sub ? "dashed" : "solid", curveness: 0.2, opacity: 0.85
            }
          };
        }),
        emphasis: { lineStyle: { width: 4 } }
      },
      {
        type: "scatter", coordinateSystem: "geo", zlevel: 3, symbolSize: 6, silent: true,
        itemStyle: { color: "#102a43" },
        data: Object.keys(points).map(function (k) { return { value: points[k] }; })
      }
    ]
  });
  chart.on("click", function (p) {
    if (p.seriesType === "lines" && p.data && p.data.id) {
      window.location.href = listUrl + p.data.id + "/";
    }
  });
  window.addEventListener("resize", function () { chart.resize(); });
  element.setAttribute("data-lines", String(lines.length));
  element.setAttribute(
    "data-red-lines", String(lines.filter(function (l) { return l.health === "red"; }).length)
  );
})();

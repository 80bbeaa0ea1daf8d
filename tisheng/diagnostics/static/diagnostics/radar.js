// Draws the diagnostic result's radar charts with the vendored ECharts (no CDN).
(function () {
  "use strict";
  var COLORS = { fail: "#c0392b", pass: "#d4a017", excellent: "#2e8b57" };
  function draw() {
    var data = JSON.parse(document.getElementById("radar-data").textContent);
    data.forEach(function (chart) {
      var el = document.getElementById(chart.id);
      if (!el || !window.echarts) { return; }
      var instance = window.echarts.init(el);
      instance.setOption({
        tooltip: {},
        radar: {
          // Each dimension's name carries its band, in the band's colour.
          indicator: chart.dimensions.map(function (d, i) {
            return { name: d + "\n" + chart.band_labels[i], max: 100, color: COLORS[chart.bands[i]] };
          }),
          splitNumber: 4,
        },
        series: [{
          type: "radar",
          data: [{
            value: chart.scores,
            name: chart.title,
            areaStyle: { opacity: 0.2 },
            label: { show: true },
            itemStyle: { color: "#1f5f9f" }
          }]
        }]
      });
      el.setAttribute("data-bands", chart.bands.join(","));
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

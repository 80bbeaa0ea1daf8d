// The dashboard's charts, drawn with the vendored ECharts from the roll-up numbers the page
// carries (#dashboard-data); the labels come from #dashboard-texts (translated by the server).
(function () {
  "use strict";
  var BLUE = "#1f5f9f", RED = "#c0392b", GREEN = "#2e8b57", GOLD = "#d4a017", GREY = "#9aa5b1";

  // A bar per row: tall enough for every label.
  function fit(id, rows) {
    var el = document.getElementById(id);
    if (el) { el.style.height = Math.max(300, 60 + 22 * rows) + "px"; }
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var instance = window.echarts.init(el);
    instance.setOption(option);
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { instance.resize(); });
  }

  function draw() {
    var data = JSON.parse(document.getElementById("dashboard-data").textContent || "{}");
    var t = (document.getElementById("dashboard-texts") || {dataset: {}}).dataset;
    if (!data.funnel) { return; }
    // The funnel as bars: each stage's count and its share of the teachers to train (the
    // stages differ by orders of magnitude early in a program, which a funnel shape hides).
    var base = data.funnel[0].value || 1, stages = data.funnel.slice().reverse();
    chart("chart-funnel", {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, grid: {left: 110, right: 90},
      xAxis: {type: "value"},
      yAxis: {type: "category", data: stages.map(function (f) { return t[f.key] || f.key; })},
      series: [{type: "bar", itemStyle: {color: BLUE},
                label: {show: true, position: "right", formatter: function (p) {
                  return p.value.toLocaleString() + " (" + (100 * p.value / base).toFixed(1) + "%)"; }},
                data: stages.map(function (f) { return f.value; })}]
    });
    chart("chart-trend", {
      tooltip: {trigger: "axis"}, legend: {data: [t.actual, t.plan]},
      xAxis: {type: "time", minInterval: 86400000, axisLabel: {formatter: "{yyyy}-{MM}-{dd}"}},
      yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      series: [
        {name: t.actual, type: "line", showSymbol: data.trend.length < 2, itemStyle: {color: BLUE},
         data: data.trend.map(function (p) { return [p.day, p.rate]; })},
        {name: t.plan, type: "line", step: "end", lineStyle: {type: "dashed"}, itemStyle: {color: RED},
         data: data.plan.map(function (p) { return [p.day, p.rate]; })}
      ]
    });
    var ranking = data.ranking.slice().reverse();
    var names = {width: 150, overflow: "truncate"};
    fit("chart-ranking", ranking.length);
    chart("chart-ranking", {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, grid: {left: 160, right: 50},
      xAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      yAxis: {type: "category", axisLabel: names, data: ranking.map(function (r) { return r.name; })},
      series: [{type: "bar", itemStyle: {color: BLUE}, label: {show: true, position: "right", formatter: "{c}%"},
                data: ranking.map(function (r) { return r.rate; })}]
    });
    var hours = data.hours.slice().reverse();
    fit("chart-hours", hours.length);
    chart("chart-hours", {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}}, legend: {data: [t.online, t.practice]},
      grid: {left: 160, right: 20}, xAxis: {type: "value"},
      yAxis: {type: "category", axisLabel: names, data: hours.map(function (h) { return h.name; })},
      series: [
        {name: t.online, type: "bar", stack: "h", itemStyle: {color: BLUE}, data: hours.map(function (h) { return h.online; })},
        {name: t.practice, type: "bar", stack: "h", itemStyle: {color: GREEN}, data: hours.map(function (h) { return h.practice; })}
      ]
    });
    // Of the points the school teams assessed in each dimension: the share passed and excellent.
    chart("chart-dimensions", {
      tooltip: {trigger: "axis", formatter: function (items) {
        var d = data.dimensions[items[0].dataIndex];
        return d.name + "<br>" + items.map(function (i) { return i.seriesName + " " + i.value + "%"; }).join("<br>") +
          "<br>(" + d.passed + " / " + d.assessed + ")"; }},
      legend: {data: [t.passed, t.excellent]},
      xAxis: {type: "category", data: data.dimensions.map(function (d) { return d.name; })},
      yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      series: [
        {name: t.passed, type: "bar", itemStyle: {color: GOLD}, label: {show: true, position: "top", formatter: "{c}%"},
         data: data.dimensions.map(function (d) { return d.pass_rate; })},
        {name: t.excellent, type: "bar", itemStyle: {color: GREEN}, label: {show: true, position: "top", formatter: "{c}%"},
         data: data.dimensions.map(function (d) { return d.excellent_rate; })}
      ]
    });
    chart("chart-split", {
      tooltip: {trigger: "axis"}, legend: {data: [t["startedRate"], t["completeRate"]]},
      xAxis: {type: "category", data: data.split.map(function (s) { return t[s.side] + " (" + s.schools + ")"; })},
      yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      series: [
        {name: t["startedRate"], type: "bar", itemStyle: {color: GREY}, label: {show: true, position: "top", formatter: "{c}%"},
         data: data.split.map(function (s) { return s.started_rate; })},
        {name: t["completeRate"], type: "bar", itemStyle: {color: BLUE}, label: {show: true, position: "top", formatter: "{c}%"},
         data: data.split.map(function (s) { return s.complete_rate; })}
      ]
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();

// The dashboard's charts, drawn with ECharts from the figures the page carries as JSON.
(function () {
  const f = JSON.parse(document.getElementById("figures").textContent);
  const font = {fontFamily: "Noto Sans CJK SC, Microsoft YaHei, sans-serif"};
  function plot(id, option) {
    const chart = echarts.init(document.getElementById(id), null, {renderer: "svg"});
    chart.setOption(Object.assign({textStyle: font, animation: false, tooltip: {}}, option));
    window.addEventListener("resize", () => chart.resize());
  }
  function bars(items) {
    return {grid: {left: 140, right: 20, top: 10, bottom: 20}, xAxis: {type: "value"},
            yAxis: {type: "category", inverse: true, data: items.map(i => i.name)},
            series: [{type: "bar", data: items.map(i => i.value), itemStyle: {color: "#b91c1c"}}]};
  }
  plot("per-day", {grid: {left: 50, right: 20, top: 10, bottom: 30}, tooltip: {trigger: "axis"},
                   xAxis: {type: "category", data: f.days}, yAxis: {type: "value"},
                   series: [{type: "line", data: f.per_day, smooth: true, showSymbol: false, itemStyle: {color: "#b91c1c"}}]});
  plot("rate-trend", {grid: {left: 50, right: 20, top: 40, bottom: 30}, tooltip: {trigger: "axis"},
                      legend: {top: 0}, xAxis: {type: "category", data: f.rates.months},
                      yAxis: {type: "value", min: 0, max: 1, axisLabel: {formatter: v => Math.round(v * 100) + "%"}},
                      series: f.rates.rates.map(r => ({type: "line", name: r.name, data: r.trend, connectNulls: true}))});
  plot("channels", {series: [{type: "pie", radius: ["35%", "65%"], data: f.channels}]});
  plot("categories", bars(f.categories));
  plot("overdue-units", bars(f.overdue_units));
})();

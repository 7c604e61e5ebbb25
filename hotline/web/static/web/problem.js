// A problem's weekly matching orders before and after it was solved, and a campaign's weeks
// against the same weeks a year before, drawn with ECharts from the JSON the page carries.
(function () {
  const f = JSON.parse(document.getElementById("chart").textContent);
  const font = {fontFamily: "Noto Sans CJK SC, Microsoft YaHei, sans-serif"};
  function plot(id, option) {
    const chart = echarts.init(document.getElementById(id), null, {renderer: "svg"});
    chart.setOption(Object.assign({textStyle: font, animation: false, tooltip: {trigger: "axis"},
                                   legend: {top: 0}, grid: {left: 40, right: 20, top: 40, bottom: 30},
                                   yAxis: {type: "value", minInterval: 1}}, option));
    window.addEventListener("resize", () => chart.resize());
  }
  if (document.getElementById("before-after")) {
    const weeks = f.before.map((_, i) => String(i - f.before.length)).concat(f.after.map((_, i) => "+" + (i + 1)));
    const gap = a => a.map(() => null);
    plot("before-after", {xAxis: {type: "category", data: weeks},
      series: [{type: "bar", name: "前", data: f.before.concat(gap(f.after)), itemStyle: {color: "#b91c1c"}},
               {type: "bar", name: "后", data: gap(f.before).concat(f.after), itemStyle: {color: "#3e4c59"}, barGap: "-100%"}]});
  }
  if (document.getElementById("campaign-weeks")) {
    const weeks = f.this_year.map((_, i) => String(i + 1));
    plot("campaign-weeks", {xAxis: {type: "category", data: weeks},
      series: [{type: "line", name: "今年", data: f.this_year, itemStyle: {color: "#b91c1c"}},
               {type: "line", name: f.baseline, data: f.last_year, itemStyle: {color: "#7b8794"}},
               {type: "line", name: "目标", data: f.target, lineStyle: {type: "dashed"}, itemStyle: {color: "#3e4c59"}}]});
  }
})();

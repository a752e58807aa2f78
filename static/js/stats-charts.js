/* Statistics charts, drawn by uPlot (static/vendor/uplot, no CDN).
 *
 * Markup: an element with `data-chart` holding a <script type="application/json"> spec:
 *   {"x": [unix seconds | index, ...],          // the x values, ascending
 *    "time": true,                               // x are instants (shown in Moscow time)
 *    "x_labels": ["Иван", ...],                  // or: category labels for x = 0, 1, 2…
 *    "kind": "line" | "bars",
 *    "unit": "₽",                                // optional, after the values
 *    "series": [{"label": "Выиграно", "values": [1, 2, null, ...]}, ...]}
 * Charts are drawn on load and after every htmx swap; each element once (data-drawn="1"),
 * redrawn to its width when the window is resized. An empty series draws an empty chart with
 * its axes: the page shows «нет данных» beside it itself.
 */
(function () {
  "use strict";
  var PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
  var charts = [];

  function number(v, unit) {
    if (v === null || v === undefined) return "—";
    var text = Number(v).toLocaleString("ru-RU", { maximumFractionDigits: 2 });
    return unit ? text + " " + unit : text;
  }

  // Russian day.month, with the hour when the chart spans under three days.
  function timeTicks(u, splits) {
    var span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
    var format = uPlot.fmtDate(span < 3 * 86400 ? "{DD}.{MM} {HH}:{mm}" : "{DD}.{MM}");
    return splits.map(function (v) {
      return format(uPlot.tzDate(new Date(v * 1e3), "Europe/Moscow"));
    });
  }

  function draw(el) {
    var source = el.querySelector('script[type="application/json"]');
    if (!source || el.dataset.drawn === "1") return;
    var spec = JSON.parse(source.textContent);
    var bars = spec.kind === "bars";
    var labels = spec.x_labels || null;
    var series = [{
      label: spec.x_label || (spec.time ? "Время" : " "),
      value: function (u, v) {
        if (v === null) return "—";
        if (labels) return labels[v] || "";
        if (spec.time) return uPlot.fmtDate("{DD}.{MM}.{YYYY} {HH}:{mm}")(uPlot.tzDate(new Date(v * 1e3), "Europe/Moscow"));
        return String(v);
      }
    }];
    var data = [spec.x];
    (spec.series || []).forEach(function (s, n) {
      var color = PALETTE[n % PALETTE.length];
      series.push({
        label: s.label,
        stroke: color,
        width: bars ? 0 : 2,
        fill: bars ? color : undefined,
        paths: bars ? uPlot.paths.bars({ size: [0.6, 48], gap: 2 }) : undefined,
        points: { show: !bars && spec.x.length < 40 },
        value: function (u, v) { return number(v, spec.unit); }
      });
      data.push(s.values);
    });
    // Counts get whole-number ticks (no «0,5 заказа»).
    var whole = (spec.series || []).every(function (s) {
      return s.values.every(function (v) { return v === null || Number.isInteger(v); });
    });
    var yAxis = { values: function (u, splits) { return splits.map(function (v) { return number(v); }); }, size: 60 };
    if (whole) {
      yAxis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1000000];
    }
    var opts = {
      width: Math.max(260, el.clientWidth),
      height: parseInt(el.dataset.height || "240", 10),
      series: series,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Europe/Moscow"); },
      // Bars always stand on zero (uPlot would otherwise start the axis near the smallest bar).
      scales: {
        x: { time: !!spec.time, distr: labels ? 2 : 1 },
        y: bars ? { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } : {}
      },
      axes: [
        labels ? { values: function (u, splits) { return splits.map(function (i) { return labels[i] || ""; }); } }
          : spec.time ? { values: timeTicks } : {},
        yAxis
      ],
      legend: { show: true }
    };
    var holder = document.createElement("div");
    el.appendChild(holder);
    var chart = new uPlot(opts, data, holder);
    el.dataset.drawn = "1";
    charts.push({ chart: chart, el: el });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      charts = charts.filter(function (c) { return document.body.contains(c.el); });
      charts.forEach(function (c) {
        c.chart.setSize({ width: Math.max(260, c.el.clientWidth), height: c.chart.height });
      });
    }, 150);
  });
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });
})();

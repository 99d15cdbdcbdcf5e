/* Gate explorers (book/explorers.py writes the HTML and the NumPy cases; this fills it in).
 *
 * The formulas are those of snippets/lstm_numpy.py and snippets/gru_numpy.py, written in the
 * same order of operations, so the numbers agree with NumPy to the last bit (tanh to within
 * an ulp):
 *   LSTM  c_t = f_t * c_prev + i_t * g_t          h_t = o_t * tanh(c_t)
 *   GRU   h_t = (1 - z_t) * n_t + z_t * h_prev
 *         reset after:  n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_prev + b_hn))
 *         reset before: n_t = tanh(W_in x_t + b_in + (r_t * h_prev) * W_hn + b_hn)
 * Sliders are gate values, so no sigmoid is needed. Plain JavaScript, no dependencies.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";

  function lstm(v) {
    var c_t = v.f_t * v.c_prev + v.i_t * v.g_t;
    var h_t = v.o_t * Math.tanh(c_t);
    var c = v.c_prev, cs = [c], hs = [NaN], kept = [c];
    for (var t = 1; t <= v.N; t++) {
      c = v.f_t * c + v.i_t * v.g_t;  // the same gates at every step
      cs.push(c);
      hs.push(v.o_t * Math.tanh(c));
      kept.push(v.c_prev * Math.pow(v.f_t, t));
    }
    return {values: {c_t: c_t, h_t: h_t, c_N: c, h_N: v.o_t * Math.tanh(c)},
            series: [{name: "c", label: "c\u209c", data: cs}, {name: "h", label: "h\u209c", data: hs},
                     {name: "kept", label: "c\u2080\u00b7f\u1d57", data: kept}]};
  }

  function gru(v, w) {
    var Wx_n = w.W_in * w.x_t + w.b_in;      // input term  W_in x_t + b_in
    var Wh_n = w.W_hn * v.h_prev + w.b_hn;   // recurrent term  W_hn h_{t-1} + b_hn
    var after = Math.tanh(Wx_n + v.r_t * Wh_n);
    var before = Math.tanh(Wx_n + (v.r_t * v.h_prev) * w.W_hn + w.b_hn);
    var h_t = (1 - v.z_t) * v.n_t + v.z_t * v.h_prev;
    var h = v.h_prev, hs = [h], kept = [h];
    for (var t = 1; t <= v.N; t++) {
      h = (1 - v.z_t) * v.n_t + v.z_t * h;
      hs.push(h);
      kept.push(v.h_prev * Math.pow(v.z_t, t));
    }
    return {values: {h_t: h_t, n_t_after: after, n_t_before: before, h_N: h},
            series: [{name: "h", label: "h\u209c", data: hs}, {name: "kept", label: "h\u2080\u00b7z\u1d57", data: kept}]};
  }

  function text(value) {  // at least 3 decimals, a real minus sign
    var s = value.toFixed(4);
    return /^-0\.0+$/.test(s) ? s.slice(1) : s.replace("-", "\u2212");
  }

  function clamp(x, low, high) { return Math.min(high, Math.max(low, x)); }

  function setBar(bar, value, low, high) {
    var fill = bar.firstElementChild;
    if (low < 0 && high > 0) {  // signed: grows from the middle
      var half = clamp(value / high, -1, 1) * 50;
      fill.style.left = (half < 0 ? 50 + half : 50) + "%";
      fill.style.width = Math.abs(half) + "%";
      fill.classList.toggle("gx-negative", value < 0);
    } else {
      fill.style.left = "0";
      fill.style.width = clamp((value - low) / (high - low), 0, 1) * 100 + "%";
    }
  }

  function node(name, attributes, parent) {
    var element = document.createElementNS(SVG, name);
    for (var key in attributes) element.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(element);
    return element;
  }

  function chart(svg, series, words) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = 420, H = 190, left = 40, right = 8, top = 12, bottom = 30;
    var steps = series[0].data.length - 1, top_value = 1;
    series.forEach(function (s) {
      s.data.forEach(function (y) { if (isFinite(y)) top_value = Math.max(top_value, Math.abs(y)); });
    });
    top_value = Math.ceil(top_value * 10) / 10;
    function x(t) { return left + (W - left - right) * t / Math.max(steps, 1); }
    function y(v) { return top + (H - top - bottom) * (1 - (v + top_value) / (2 * top_value)); }
    node("line", {x1: left, x2: W - right, y1: y(0), y2: y(0), "class": "gx-axis"}, svg);
    node("line", {x1: left, x2: left, y1: top, y2: H - bottom, "class": "gx-axis"}, svg);
    [[top_value, "start"], [0, "middle"], [-top_value, "end"]].forEach(function (tick) {
      var label = node("text", {x: left - 4, y: y(tick[0]) + 4, "text-anchor": "end", "class": "gx-tick"}, svg);
      label.textContent = text(tick[0]).replace(/\.?0+$/, "") || "0";
    });
    [0, steps].forEach(function (t) {
      var label = node("text", {x: x(t), y: H - bottom + 15, "text-anchor": "middle", "class": "gx-tick"}, svg);
      label.textContent = String(t);
    });
    var axis = node("text", {x: (left + W - right) / 2, y: H - 2, "text-anchor": "middle", "class": "gx-tick"}, svg);
    axis.textContent = words.time;
    series.forEach(function (s, k) {
      var points = [];
      s.data.forEach(function (v, t) { if (isFinite(v)) points.push(x(t).toFixed(1) + "," + y(v).toFixed(1)); });
      node("polyline", {points: points.join(" "), "class": "gx-line gx-" + s.name}, svg);
      var key = node("text", {x: left + 10 + 90 * k, y: top + 12, "class": "gx-key gx-" + s.name}, svg);
      key.textContent = "\u2014 " + s.label;
    });
  }

  function setUp(root) {
    var data = JSON.parse(root.querySelector("script.gate-explorer-cases").textContent);
    var sliders = {}, outputs = root.querySelectorAll("output[data-key]");
    root.querySelectorAll("input[type=range]").forEach(function (input) { sliders[input.name] = input; });

    function values() {
      var v = {};
      for (var name in sliders) v[name] = Number(sliders[name].value);
      return v;
    }

    function update() {
      var v = values();
      var result = data.model === "lstm" ? lstm(v) : gru(v, data.weights);
      for (var name in sliders) {
        var input = sliders[name], row = input.parentNode;
        row.querySelector(".gx-val").textContent = input.value.replace("-", "\u2212");
        setBar(row.querySelector(".gx-bar"), v[name], Number(input.min), Number(input.max));
      }
      outputs.forEach(function (output) {
        var key = output.dataset.key;
        if (key === "case") return caseOf(output, v);
        var value = result.values[key];
        output.textContent = text(value);
        output.dataset.value = String(value);
        var scale = key.charAt(0) === "c" ? 3 : 1;
        setBar(output.parentNode.querySelector(".gx-bar"), value, -scale, scale);
      });
      if (data.model === "gru") {
        root.querySelector(".gx-split .gx-keep").style.width = v.z_t * 100 + "%";
        root.querySelector(".gx-split .gx-take").style.width = (1 - v.z_t) * 100 + "%";
        root.querySelector("[data-show='z']").textContent = text(v.z_t);
        root.querySelector("[data-show='1-z']").textContent = text(1 - v.z_t);
      }
      chart(root.querySelector("svg.gx-chart"), result.series, data.words);
    }

    function caseOf(output, v) {  // the nearest row of the page's table (f_t, i_t)
      var best = null, distance = Infinity;
      data.rows.forEach(function (row) {
        var d = Math.pow(row[1] - v.f_t, 2) + Math.pow(row[2] - v.i_t, 2);
        if (d < distance) { best = row; distance = d; }
      });
      output.dataset.value = best[0];
      output.textContent = distance === 0 ? data.words[best[0]] + " (" + data.words.exact + ")"
                                          : data.words.nearest + ": " + data.words[best[0]];
      root.querySelectorAll("tr[data-row]").forEach(function (tr) {
        var current = tr.dataset.row === best[0];
        tr.classList.toggle("gx-current", current);
        if (current) tr.setAttribute("aria-current", "true"); else tr.removeAttribute("aria-current");
      });
    }

    root.addEventListener("input", function (event) {
      if (event.target.type === "range") update();
    });
    // Each row of the static table of NumPy cases gets a button that sets the sliders to it.
    var head = root.querySelector(".gx-cases thead tr");
    var setLabel = root.querySelector(".gx-cases").dataset.setLabel;
    head.appendChild(document.createElement("th"));
    root.querySelectorAll(".gx-cases tbody tr").forEach(function (tr) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "gx-set";
      button.textContent = "\u21a5";
      button.title = setLabel;
      button.setAttribute("aria-label", setLabel);
      button.addEventListener("click", function () {
        var inputs = data.cases[Number(tr.dataset.case)].inputs;
        for (var name in inputs) sliders[name].value = inputs[name];
        update();
        sliders[Object.keys(sliders)[0]].focus();
      });
      var cell = document.createElement("td");
      cell.appendChild(button);
      tr.appendChild(cell);
    });
    root.querySelector(".gx-live").hidden = false;
    update();
  }

  function start() {
    document.querySelectorAll(".gate-explorer:not([data-ready])").forEach(function (root) {
      root.setAttribute("data-ready", "");
      setUp(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

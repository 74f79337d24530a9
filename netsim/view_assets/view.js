/* netsim teaching view: plays a run (the JSON in #netsim-data) on its graph.
   Plain JavaScript + SVG, no library, no network request. Inlined by netsim/view.py.
   Test hooks: window.netsimView.{seek(t), time(), stateOf(i), nodeCentre(i)}. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('netsim-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var T = D.t_end, n = D.n, M = D.messages, nMsg = M.ts.length;
  var PLAY_SECONDS = 40;                     // 1x speed: the whole run in 40 s of wall time

  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function $(id) { return document.getElementById(id); }
  function num(v) { return typeof v === 'number' && isFinite(v); }   // JSON null = NaN
  function bisectRight(a, x) {              // number of entries <= x
    var lo = 0, hi = a.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid] <= x) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  }
  function bisectLeft(a, x) {               // number of entries < x
    var lo = 0, hi = a.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid] < x) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  }
  function fmtTime(s) {
    if (!isFinite(s)) { return String(s); }
    if (s === 0) { return '0 s'; }
    if (s < 1e-3) { return (s * 1e6).toFixed(1) + ' us'; }
    if (s < 1) { return (s * 1e3).toFixed(3) + ' ms'; }
    return s.toFixed(4) + ' s';
  }
  // viridis, 6 stops
  var VIR = [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]];
  function viridis(u) {
    u = Math.max(0, Math.min(1, u)) * (VIR.length - 1);
    var k = Math.min(Math.floor(u), VIR.length - 2), f = u - k, a = VIR[k], b = VIR[k + 1];
    return 'rgb(' + [0, 1, 2].map(function (j) { return Math.round(a[j] + (b[j] - a[j]) * f); }).join(',') + ')';
  }

  // ---------- graph ----------
  var svg = $('graph');
  var P = {};
  Object.keys(D.pos).forEach(function (k) { P[k] = [D.pos[k][0], -D.pos[k][1]]; });
  var ids = Object.keys(P);
  var minD = 2;
  for (var a = 0; a < ids.length; a++) {
    for (var b = a + 1; b < ids.length; b++) {
      var dx = P[ids[a]][0] - P[ids[b]][0], dy = P[ids[a]][1] - P[ids[b]][1];
      minD = Math.min(minD, Math.sqrt(dx * dx + dy * dy));
    }
  }
  var R = Math.max(0.008, Math.min(0.11, 0.33 * minD));
  var gEdges = el('g', {}, svg), gMsgs = el('g', {}, svg), gNodes = el('g', {}, svg),
      gLabels = el('g', {}, svg);
  D.edges.forEach(function (e) {
    el('line', {x1: P[e[0]][0], y1: P[e[0]][1], x2: P[e[1]][0], y2: P[e[1]][1],
                stroke: '#bbb', 'stroke-width': 0.006}, gEdges);
  });
  var nodes = [], rings = [], labels = [];
  var slow = {};
  D.slow.forEach(function (i) { slow[i] = true; });
  for (var i = 0; i < n; i++) {
    if (slow[i]) {
      el('circle', {cx: P[i][0], cy: P[i][1], r: R * 1.45, fill: 'none', stroke: D.state_colours[3],
                    'stroke-width': R * 0.12, 'stroke-dasharray': (R * 0.3) + ' ' + (R * 0.2)}, gNodes);
    }
    rings.push(el('circle', {cx: P[i][0], cy: P[i][1], r: R * 1.12, fill: 'none',
                             stroke: '#999', 'stroke-width': R * 0.3}, gNodes));
    var c = el('circle', {id: 'agent-' + i, cx: P[i][0], cy: P[i][1], r: R * 0.95,
                          fill: '#fff', stroke: '#333', 'stroke-width': R * 0.05}, gNodes);
    nodes.push(c);
    if (R > 0.025) {
      var tx = el('text', {x: P[i][0], y: P[i][1] + R * 0.32, 'text-anchor': 'middle',
                           'font-size': R * 0.9, class: 'nodelabel'}, gLabels);
      tx.textContent = String(i);
      labels.push(tx);
    }
  }
  var server = D.server, srvText = null, staleTexts = [];
  if (server) {
    var sp = P[server.node], S = Math.max(R * 1.6, 0.1);
    el('rect', {x: sp[0] - 1.3 * S, y: sp[1] - S * 0.7, width: 2.6 * S, height: 1.4 * S, rx: S * 0.15,
                fill: '#eee', stroke: '#333', 'stroke-width': 0.008, id: 'server'}, gNodes);
    srvText = el('text', {x: sp[0], y: sp[1] + S * 0.1, 'text-anchor': 'middle',
                          'font-size': S * 0.26, class: 'nodelabel'}, gLabels);
    var t2 = el('text', {x: sp[0], y: sp[1] + S * 0.5, 'text-anchor': 'middle',
                         'font-size': S * 0.24, class: 'nodelabel'}, gLabels);
    t2.textContent = 'P = ' + server.P + ', tau = ' + server.tau;
    for (var w = 0; w < n; w++) {
      var ox = P[w][0] * (1 + 2.0 * R / Math.max(1e-9, Math.hypot(P[w][0], P[w][1]))),
          oy = P[w][1] * (1 + 2.0 * R / Math.max(1e-9, Math.hypot(P[w][0], P[w][1]))) + R * 0.25;
      staleTexts.push(el('text', {x: ox, y: oy, 'text-anchor': 'middle', 'font-size': Math.max(R * 0.7, 0.035),
                                  fill: '#b15928', class: 'nodelabel'}, gLabels));
    }
  }
  var clockSvg = el('text', {x: -1.27, y: -1.2, 'font-size': 0.07, class: 'nodelabel'}, gLabels);

  // messages: oriented triangles on the right-hand lane of their edge, area ~ bits; drawn
  // under the nodes (a message emerges from its sender and sinks into its receiver)
  var bmax = 1, bmin = Infinity;
  for (var m = 0; m < nMsg; m++) { bmax = Math.max(bmax, M.bits[m]); bmin = Math.min(bmin, M.bits[m]); }
  var maxSpan = 0;
  for (m = 0; m < nMsg; m++) { maxSpan = Math.max(maxSpan, (M.te[m] - M.ts[m]) * (M.lost[m] ? 1.5 : 1)); }
  var MAX_DRAWN = 1500, pool = [];
  function marker(k) {
    while (pool.length <= k) {
      pool.push(el('path', {d: 'M1,0 L-0.8,0.75 L-0.8,-0.75 Z', 'stroke-width': 0.15}, gMsgs));
    }
    return pool[k];
  }
  function msgSize(bits) { return R * (0.2 + 0.35 * Math.sqrt(bits / bmax)); }

  // ---------- controls ----------
  var t = 0, playing = false, speed = 1, lastWall = null;
  var slider = $('slider'), SL = 10000;
  var rounds = D.rounds, events = D.events;
  function seek(x) {
    t = Math.max(0, Math.min(T, x));
    draw();
  }
  function play(on) {
    playing = on;
    $('play').textContent = on ? 'Pause' : 'Play';
    if (on) {
      if (t >= T) { t = 0; }
      lastWall = null;
      window.requestAnimationFrame(tick);
    }
  }
  function tick(now) {
    if (!playing) { return; }
    if (lastWall !== null) {
      t += (now - lastWall) / 1000 * T / PLAY_SECONDS * speed;
      if (t >= T) { t = T; play(false); }
    }
    lastWall = now;
    draw();
    if (playing) { window.requestAnimationFrame(tick); }
  }
  $('play').addEventListener('click', function () { play(!playing); });
  $('step-event').addEventListener('click', function () {
    play(false); var k = bisectRight(events, t); seek(k < events.length ? events[k] : T);
  });
  $('back-event').addEventListener('click', function () {
    play(false); var k = bisectLeft(events, t) - 1; seek(k >= 0 ? events[k] : 0);
  });
  $('step-round').addEventListener('click', function () {
    play(false); var k = bisectRight(rounds, t); seek(k < rounds.length ? rounds[k] : T);
  });
  $('back-round').addEventListener('click', function () {
    play(false); var k = bisectLeft(rounds, t) - 1; seek(k >= 0 ? rounds[k] : 0);
  });
  slider.addEventListener('input', function () { play(false); seek(T * slider.value / SL); });
  $('speed').addEventListener('change', function () { speed = parseFloat($('speed').value); });
  Array.prototype.forEach.call(document.querySelectorAll('.controls button'), function (b) {
    b.addEventListener('click', function () { b.blur(); });   // keys then go to the page
  });
  document.addEventListener('keydown', function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === 'SELECT' || tag === 'INPUT') { return; }      // the slider's own arrow keys
    if (ev.key === ' ') { ev.preventDefault(); play(!playing); }
    else if (ev.key === 'ArrowRight') { $(ev.shiftKey ? 'step-round' : 'step-event').click(); }
    else if (ev.key === 'ArrowLeft') { $(ev.shiftKey ? 'back-round' : 'back-event').click(); }
  });

  // ---------- error curve ----------
  var plot = $('plot'), PW = 600, PH = 190, ML = 56, MR = 10, MT = 10, MB = 30;
  var C = D.curve, linear = C.metric === 'accuracy';
  function yval(v) { return linear ? v : Math.log10(Math.max(v, 1e-16)); }
  var ys = [];
  C.y.forEach(function (v) { if (num(v) && (linear || v > 0)) { ys.push(yval(v)); } });
  var hasDrift = C.ref_drift && C.ref_drift.some(function (v) { return num(v) && v > 0; });
  if (hasDrift) { C.ref_drift.forEach(function (v) { if (num(v) && v > 0) { ys.push(yval(v)); } }); }
  var y0 = ys.length ? Math.min.apply(null, ys) : 0, y1 = ys.length ? Math.max.apply(null, ys) : 1;
  if (linear) { y0 = Math.min(0, y0); y1 = Math.max(1, y1); }      // accuracy: 0..1
  else { y0 = Math.floor(y0); y1 = Math.ceil(y1); }
  if (y1 - y0 < 1e-9) { y1 = y0 + 1; }
  function px(x) { return ML + (PW - ML - MR) * x / T; }
  function py(v) { return MT + (PH - MT - MB) * (1 - (yval(v) - y0) / (y1 - y0)); }
  function series(vals, colour, dash) {
    var pts = [];
    for (var k = 0; k < vals.length; k++) {
      if (num(vals[k]) && (linear || vals[k] > 0) && C.t[k] <= T) {
        pts.push(px(C.t[k]).toFixed(2) + ',' + py(vals[k]).toFixed(2));
      }
    }
    el('polyline', {points: pts.join(' '), fill: 'none', stroke: colour, 'stroke-width': 1.6,
                    'stroke-dasharray': dash || 'none'}, plot);
  }
  el('rect', {x: ML, y: MT, width: PW - ML - MR, height: PH - MT - MB, fill: 'none', stroke: '#999'}, plot);
  var ystep = linear ? 0.25 : Math.max(1, Math.ceil((y1 - y0) / 6));
  for (var yy = y0; yy <= y1 + 1e-9; yy += ystep) {
    var yp = MT + (PH - MT - MB) * (1 - (yy - y0) / (y1 - y0));
    el('line', {x1: ML, x2: PW - MR, y1: yp, y2: yp, stroke: '#eee'}, plot);
    var lab = el('text', {x: ML - 4, y: yp + 4, 'text-anchor': 'end', 'font-size': 11}, plot);
    lab.textContent = linear ? yy.toFixed(2) : '1e' + yy;
  }
  for (var xk = 0; xk <= 5; xk++) {
    var xl = el('text', {x: px(T * xk / 5), y: PH - 12, 'font-size': 11,
                         'text-anchor': xk === 0 ? 'start' : xk === 5 ? 'end' : 'middle'}, plot);
    xl.textContent = fmtTime(T * xk / 5);
  }
  var yl = el('text', {x: ML + 6, y: MT + 14, 'font-size': 12, fill: '#1f77b4'}, plot);
  yl.textContent = C.metric + (hasDrift ? '' : '') + '  vs simulated time';
  series(C.y, '#1f77b4');
  if (hasDrift) {
    series(C.ref_drift, '#d62728', '5,3');
    var dl = el('text', {x: ML + 6, y: MT + 28, 'font-size': 12, fill: '#d62728'}, plot);
    dl.textContent = 'ref_drift (dashed): receivers\u2019 copies vs senders\u2019 references';
  }
  var cursor = el('line', {x1: ML, x2: ML, y1: MT, y2: PH - MB, stroke: '#e6550d', 'stroke-width': 2,
                           id: 'cursor'}, plot);
  plot.addEventListener('click', function (ev) {
    var r = plot.getBoundingClientRect();
    var x = (ev.clientX - r.left) * PW / r.width;
    play(false); seek((x - ML) / (PW - ML - MR) * T);
  });

  // ---------- drawing ----------
  function stateIndex(i, x) {
    var st = D.states[i], k = bisectRight(st.t, x) - 1;
    return st.s[Math.max(k, 0)];
  }
  function draw() {
    var i, k;
    for (i = 0; i < n; i++) {
      var s = stateIndex(i, t);
      nodes[i].setAttribute('fill', D.state_colours[s]);
      nodes[i].setAttribute('data-state', D.state_names[s]);
      if (labels[i]) { labels[i].setAttribute('fill', (s === 0 || s === 3 || s === 4) ? '#fff' : '#000'); }
    }
    if (D.err) {
      var r = Math.max(bisectRight(D.err.t, t) - 1, 0), row = D.err.v[r];
      for (i = 0; i < n; i++) {
        rings[i].setAttribute('stroke', viridis((row[i] - D.err.lo) / (D.err.hi - D.err.lo)));
      }
    }
    // messages in flight (lost ones: halfway, then a red cross)
    var lo = bisectLeft(M.ts, t - maxSpan), hi = bisectRight(M.ts, t), used = 0, inflight = 0;
    for (k = lo; k < hi; k++) {
      var ts = M.ts[k], te = M.te[k], lost = M.lost[k], dur = te - ts;
      var end = lost ? ts + 1.5 * dur : te;
      if (t < ts || t >= end) { continue; }
      inflight++;
      if (used >= MAX_DRAWN) { continue; }
      var p0 = P[M.src[k]], p1 = P[M.dst[k]];
      var ex = p1[0] - p0[0], ey = p1[1] - p0[1], L = Math.hypot(ex, ey) || 1;
      var ux = ex / L, uy = ey / L;
      var f = dur > 0 ? (t - ts) / dur : 1;
      var crossed = false;
      if (lost) { if (f >= 0.5) { f = 0.5; crossed = true; } }
      var lane = R * 0.38;
      var x = p0[0] + ex * f - uy * lane, y = p0[1] + ey * f + ux * lane;
      var mk = marker(used++), sz = msgSize(M.bits[k]);
      mk.style.display = '';
      if (crossed) {
        mk.setAttribute('d', 'M-1,-1 L1,1 M-1,1 L1,-1');
        mk.setAttribute('stroke', '#e00000'); mk.setAttribute('stroke-width', 0.45);
        mk.setAttribute('fill', 'none');
        mk.setAttribute('transform', 'translate(' + x + ',' + y + ') scale(' + (sz * 0.8) + ')');
      } else {
        mk.setAttribute('d', 'M1,0 L-0.8,0.75 L-0.8,-0.75 Z');
        mk.setAttribute('stroke', lost ? '#e00000' : '#333'); mk.setAttribute('stroke-width', 0.12);
        mk.setAttribute('fill', M.retx[k] ? '#e7298a' : '#ff9900');
        mk.setAttribute('transform', 'translate(' + x + ',' + y + ') rotate(' +
                        (Math.atan2(uy, ux) * 180 / Math.PI) + ') scale(' + sz + ')');
      }
    }
    for (k = used; k < pool.length; k++) { pool[k].style.display = 'none'; }
    // server
    if (server) {
      var u = bisectRight(server.t, t) - 1;
      for (i = 0; i < n; i++) { staleTexts[i].textContent = ''; }
      if (u >= 0) {
        srvText.textContent = 'server round ' + server.round[u];
        var ab = server.absorbed[u], parts = [];
        ab.forEach(function (p) { staleTexts[p[0]].textContent = 's=' + p[1]; parts.push(p[0] + ' (staleness ' + p[1] + ')'); });
        $('server-info').textContent = 'Server round ' + server.round[u] + ' at ' + fmtTime(server.t[u]) +
          ': absorbed ' + ab.length + ' results (barrier P = ' + server.P + '): ' + parts.join(', ');
      } else {
        srvText.textContent = 'server';
        $('server-info').textContent = 'Server: waiting for its first P = ' + server.P + ' results';
      }
    }
    var rk = bisectRight(rounds, t) - 1;
    var rnd = rk >= 0 ? D.round_ids[rk] : 0;
    var counts = {};
    for (i = 0; i < n; i++) { var nm = D.state_names[stateIndex(i, t)]; counts[nm] = (counts[nm] || 0) + 1; }
    var cs = D.state_names.filter(function (s) { return counts[s]; }).map(function (s) { return counts[s] + ' ' + s; });
    $('clock').textContent = 't = ' + fmtTime(t) + ' of ' + fmtTime(T) + '    round ' + rnd +
      ' completed\n' + inflight + ' messages in flight (or just lost)\n' + cs.join(', ');
    clockSvg.textContent = 't = ' + fmtTime(t) + '   round ' + rnd;
    slider.value = Math.round(SL * t / T);
    cursor.setAttribute('x1', px(t)); cursor.setAttribute('x2', px(t));
  }

  // ---------- legend ----------
  function legendRow(parent, draw, text) {
    var row = document.createElement('div'); row.className = 'row';
    var s = el('svg', {width: 22, height: 18, viewBox: '-11 -9 22 18'}, row);
    draw(s);
    var sp = document.createElement('span'); sp.textContent = text; row.appendChild(sp);
    parent.appendChild(row);
  }
  var leg = $('legend');
  var expl = {computing: 'computing (local steps)', sending: 'sending (its messages on their way)',
              waiting: server ? 'waiting for the server\u2019s reply' : 'waiting for neighbours\u2019 messages', straggling: 'straggling (a slow agent computing)',
              crashed: 'crashed (host off)', idle: 'idle (done)'};
  D.state_names.forEach(function (s, k) {
    legendRow(leg, function (g) { el('circle', {r: 7, fill: D.state_colours[k], stroke: '#333'}, g); }, expl[s] || s);
  });
  legendRow(leg, function (g) {
    el('circle', {r: 7, fill: 'none', stroke: D.state_colours[3], 'stroke-width': 1.5, 'stroke-dasharray': '3 2'}, g);
  }, 'dashed ring: agent of the slow set');
  legendRow(leg, function (g) { el('path', {d: 'M7,0 L-6,5 L-6,-5 Z', fill: '#ff9900', stroke: '#333'}, g); },
            'message (points where it goes; each direction has its own lane; area ~ bits: ' +
            Math.round(bmin === Infinity ? 0 : bmin) + '..' + Math.round(bmax) + ')');
  legendRow(leg, function (g) { el('path', {d: 'M7,0 L-6,5 L-6,-5 Z', fill: '#e7298a', stroke: '#333'}, g); },
            'retransmission');
  legendRow(leg, function (g) { el('path', {d: 'M-5,-5 L5,5 M-5,5 L5,-5', stroke: '#e00000', 'stroke-width': 2.5}, g); },
            'lost message (red outline, then a cross halfway)');
  if (D.err) {
    var row = document.createElement('div'); row.className = 'row';
    var bar = el('svg', {width: 120, height: 14}, row);
    for (var q = 0; q < 24; q++) { el('rect', {x: q * 5, y: 0, width: 5, height: 14, fill: viridis(q / 23)}, bar); }
    var sp2 = document.createElement('span');
    sp2.textContent = 'outer ring: ' + D.err.label + ' from ' + D.err.lo.toFixed(1) + ' to ' + D.err.hi.toFixed(1);
    row.appendChild(sp2); leg.appendChild(row);
  } else {
    var nr = document.createElement('div'); nr.className = 'row';
    nr.textContent = 'outer ring grey: no iterates.npz, so no per-agent error';
    leg.appendChild(nr);
  }
  if (server) {
    legendRow(leg, function (g) { el('rect', {x: -8, y: -6, width: 16, height: 12, fill: '#eee', stroke: '#333'}, g); },
              'server; s=k next to a worker: staleness of its result absorbed in the latest server round');
  }

  window.netsimView = {
    seek: function (x) { play(false); seek(x); },
    time: function () { return t; },
    stateOf: function (i) { return D.state_names[stateIndex(i, t)]; },
    nodeCentre: function (i) {
      var r = nodes[i].getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    },
    colours: D.state_colours, names: D.state_names
  };
  draw();
})();

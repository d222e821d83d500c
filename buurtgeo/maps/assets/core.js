
// buurtgeo map helpers (one copy per page): geometry decoding, the shared area layer,
// indicator layers as cheap switches over it, points, labels that do not overlap, base map.
function bgShapes(d) {
  // compact geometry (maps/compact.py) → per shape: LatLng (point), lines or polygons
  var s = d.s, out = new Array(d.f.length);
  function part(a) {
    var x = 0, y = 0, n = a.length / 2, r = new Array(n);
    for (var i = 0; i < n; i++) { x += a[2 * i]; y += a[2 * i + 1]; r[i] = new L.LatLng(y / s, x / s); }
    return r;
  }
  for (var i = 0; i < d.f.length; i++) {
    var f = d.f[i];
    if (d.k === "pt") { out[i] = new L.LatLng(f[1] / s, f[0] / s); }
    else if (d.k === "l") { out[i] = f.map(part); }
    else { out[i] = f.map(function (p) { return p.map(part); }); }
  }
  return out;
}
function bgGroup(d, make) {
  // a feature group with one layer per shape: make(latlngs, i)
  var shapes = bgShapes(d), layers = new Array(shapes.length);
  for (var i = 0; i < shapes.length; i++) { layers[i] = make(shapes[i], i); }
  return L.featureGroup(layers);
}
function bgTable(name, cols, i) {
  var rows = "";
  for (var c = 0; c < cols.length; c++) {
    var t = cols[c][1];
    rows += "<tr><td>" + cols[c][0] + "</td><td class=\"v\">" + (typeof t === "string" ? t : t[i]) + "</td></tr>";
  }
  return "<div class=\"bg-pop\"><b>" + name + "</b><table>" + rows + "</table></div>";
}
function bgAreaLayer(A) {
  // the areas are drawn once; an indicator layer only recolours them (BgIndicator)
  if (!A.layer) {
    var opts = {pane: "bgAreas", color: "#5a5a5a", weight: A.w, opacity: 0.9, fillOpacity: 0.72};
    if (A.canvas) { opts.renderer = L.canvas({pane: "bgAreas"}); }
    A.style = function (i) {
      var a = A.active, k = a ? a.c[i] : -1;
      return {fillColor: a ? a.p[k < 0 ? a.p.length + k : k] : "#d9d9d9", color: "#5a5a5a", weight: A.w};
    };
    A.layer = bgGroup(A.geo, function (latlngs, i) {
      var o = L.extend({}, opts, A.style(i)), l = L.polygon(latlngs, o);
      l.bindTooltip(function () { return A.active ? A.active.tip(i) : A.names[i]; },
                    {sticky: true, className: "bg-tip"});
      l.bindPopup(function () { return bgTable(A.names[i], A.cols, i); }, {maxWidth: 380});
      l.on("mouseover", function () { l.setStyle({weight: 3, color: "#000"}); });
      l.on("mouseout", function () { l.setStyle(A.style(i)); });
      return l;
    });
    A.geo = null;  // decoded once; the page keeps only the layers
  }
  return A.layer;
}
var BgIndicator = L.Layer.extend({
  // c: class of each area (negative: from the end of the palette p), t: tooltip spec
  initialize: function (A, c, p, t) { this.A = A; this.c = c; this.p = p; this.t = t; },
  tip: function (i) {
    var t = this.t, A = this.A;
    if (t.tips) { return t.tips[i]; }
    return "<b>" + A.names[i] + "</b><br>" + t.label + ": <b>" + A.cols[t.col][1][i] + "</b>";
  },
  onAdd: function (map) {
    var A = this.A;
    A.active = this;
    var g = bgAreaLayer(A);
    if (map.hasLayer(g)) {
      var i = 0;
      g.eachLayer(function (l) { l.setStyle(A.style(i)); i++; });
    } else { g.addTo(map); }
  },
  onRemove: function (map) {
    var A = this.A;
    if (A.active === this) { A.active = null; }
    // the layer control removes the old indicator before it adds the new one
    setTimeout(function () { if (!A.active && map.hasLayer(A.layer)) { map.removeLayer(A.layer); } }, 0);
  }
});
function bgPoints(P) {
  // points with a tooltip (name, sub-title, one value) and a popup table, built on demand
  function tip(i) {
    var v = P.tipcol >= 0 ? P.cols[P.tipcol][1] : null;
    v = v === null ? "" : (typeof v === "string" ? v : v[i]);
    return "<b>" + P.names[i] + "</b><br>" + P.sub + (P.sub && v ? " · " : "") + v;
  }
  return bgGroup(P.geo, function (ll, i) {
    var l;
    if (P.numbers) {
      l = L.marker(ll, {pane: "bgServices", icon: L.divIcon({className: "", iconSize: [24, 24],
        html: "<div class=\"bg-num\" style=\"background:" + P.colour + "\">" + P.numbers[i] + "</div>"})});
    } else {
      var h = P.hollow[i];
      l = L.circleMarker(ll, {pane: "bgServices", radius: P.radii[i], color: h ? P.colour : "#ffffff",
        weight: h ? 2 : 1.5, dashArray: h ? "3 2" : null, fillColor: P.colour, fillOpacity: h ? 0.25 : 0.9});
    }
    l.bindTooltip(function () { return tip(i); }, {className: "bg-tip"});
    l.bindPopup(function () { return bgTable(P.names[i], P.cols, i); }, {maxWidth: 320});
    return l;
  });
}
var bgLabelGroups = [];
function bgPlaceLabels(map) {
  // every label group on the map, most important first (area names, then the base map's
  // town names; within a group its own order): a label that would overlap one placed
  // before it or a control box, or stick out of the map, is hidden
  var size = map.getSize(), kept = [], all = [];
  var frame = map.getContainer().getBoundingClientRect();
  map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) {
    var r = c.getBoundingClientRect();  // the title, legend, layers and zoom cover the map
    if (r.width && r.height) {
      kept.push([r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top]);
    }
  });
  var groups = bgLabelGroups.filter(function (g) { return g.tips && map.hasLayer(g.group); });
  groups.sort(function (a, b) { return a.prio - b.prio; });
  groups.forEach(function (g) {
    g.order.forEach(function (i) { all.push(g.tips[i]); });
  });
  all.forEach(function (t) { var e = t.getElement(); if (e) { e.style.visibility = ""; } });
  var boxes = all.map(function (t) {  // read every size first (one layout), then write
    var e = t.getElement(), p = map.latLngToContainerPoint(t.getLatLng());
    return e ? [p.x - e.offsetWidth / 2 - 3, p.y - e.offsetHeight / 2 - 1,
                p.x + e.offsetWidth / 2 + 3, p.y + e.offsetHeight / 2 + 1] : null;
  });
  all.forEach(function (t, k) {
    var b = boxes[k], e = t.getElement();
    if (!b || !e) { return; }
    var out = b[0] < 0 || b[2] > size.x || b[1] < 0 || b[3] > size.y;
    var hit = out || kept.some(function (o) { return !(o[2] < b[0] || o[0] > b[2] || o[3] < b[1] || o[1] > b[3]); });
    e.style.visibility = hit ? "hidden" : "";
    if (!hit) { kept.push(b); }
  });
}
function bgLabels(pts, names, order, cls, prio) {
  // permanent labels, placed together with every other label group (bgPlaceLabels)
  var group = L.layerGroup(), entry = {group: group, tips: null, order: order, prio: prio || 0};
  var map = null;
  function place() { if (map) { bgPlaceLabels(map); } }
  bgLabelGroups.push(entry);
  group.on("add", function () {
    map = group._map;
    if (!entry.tips) {
      entry.tips = pts.map(function (p, i) {
        return L.tooltip({permanent: true, direction: "center", className: cls, interactive: false})
          .setLatLng(p).setContent(names[i]);
      });
      entry.tips.forEach(function (t) { group.addLayer(t); });
    }
    map.on("zoomend moveend resize", place);
    setTimeout(place, 0);
  });
  group.on("remove", function () {
    if (map) { map.off("zoomend moveend resize", place); var m = map; map = null; setTimeout(function () { bgPlaceLabels(m); }, 0); }
  });
  return group;
}
function bgBase(layers) {
  // the base map on one canvas: each entry {d: compact geometry, s: Leaflet path style}
  var renderer = L.canvas({pane: "bgBase", padding: 0.3}), group = L.layerGroup();
  for (var i = 0; i < layers.length; i++) {
    var s = L.extend({}, layers[i].s, {renderer: renderer, interactive: false, pane: "bgBase"});
    var poly = layers[i].d.k === "p";
    group.addLayer(bgGroup(layers[i].d, function (ll) { return poly ? L.polygon(ll, s) : L.polyline(ll, s); }));
  }
  return group;
}


// buurtgeo map helpers (one copy per page): geometry decoding, the shared area layer,
// indicator layers as cheap switches over it, labels that do not overlap, base map.
function bgDecode(d) {
  var s = d.s, out = [];
  function part(a, close) {
    var x = 0, y = 0, n = a.length / 2, r = new Array(close ? n + 1 : n);
    for (var i = 0; i < n; i++) { x += a[2 * i]; y += a[2 * i + 1]; r[i] = [x / s, y / s]; }
    if (close) { r[n] = r[0]; }
    return r;
  }
  for (var i = 0; i < d.f.length; i++) {
    var f = d.f[i], g;
    if (d.k === "pt") { g = {type: "Point", coordinates: [f[0] / s, f[1] / s]}; }
    else if (d.k === "l") { g = {type: "MultiLineString", coordinates: f.map(function (l) { return part(l, false); })}; }
    else { g = {type: "MultiPolygon", coordinates: f.map(function (p) { return p.map(function (r) { return part(r, true); }); })}; }
    out.push({type: "Feature", properties: {i: i}, geometry: g});
  }
  return {type: "FeatureCollection", features: out};
}
function bgPopup(A, i) {
  var rows = "";
  for (var c = 0; c < A.cols.length; c++) {
    rows += "<tr><td>" + A.cols[c] + "</td><td class=\"v\">" + A.vals[c][i] + "</td></tr>";
  }
  return "<div class=\"bg-pop\"><b>" + A.names[i] + "</b><table>" + rows + "</table></div>";
}
function bgAreaLayer(A) {
  // the areas are drawn once; an indicator layer only recolours them (bgIndicator)
  if (!A.layer) {
    A.layer = L.geoJson(A.geo, {
      pane: "bgAreas",
      style: function (f) {
        var a = A.active, k = a ? a.c[f.properties.i] : -1;
        return {fillColor: a ? a.p[k < 0 ? a.p.length + k : k] : "#d9d9d9", color: "#5a5a5a",
                weight: 1, opacity: 0.9, fillOpacity: 0.72};
      },
      onEachFeature: function (f, l) {
        var i = f.properties.i;
        l.bindTooltip(function () { return A.active ? A.active.tip(i) : A.names[i]; },
                      {sticky: true, className: "bg-tip"});
        l.bindPopup(function () { return bgPopup(A, i); }, {maxWidth: 380});
        l.on("mouseover", function (e) { e.target.setStyle({weight: 3, color: "#000"}); });
        l.on("mouseout", function (e) { A.layer.resetStyle(e.target); });
      }
    });
  }
  return A.layer;
}
var BgIndicator = L.Layer.extend({
  // c: class of each area (negative: from the end of the palette p), t: tooltip spec
  initialize: function (A, c, p, t) { this.A = A; this.c = c; this.p = p; this.t = t; },
  tip: function (i) {
    var t = this.t, A = this.A;
    if (t.tips) { return t.tips[i]; }
    return "<b>" + A.names[i] + "</b><br>" + t.label + ": <b>" + A.vals[t.col][i] + "</b>";
  },
  onAdd: function (map) {
    var A = this.A;
    A.active = this;
    var g = bgAreaLayer(A);
    if (map.hasLayer(g)) { g.eachLayer(function (l) { g.resetStyle(l); }); } else { g.addTo(map); }
  },
  onRemove: function (map) {
    var A = this.A;
    if (A.active === this) { A.active = null; }
    // the layer control removes the old indicator before it adds the new one
    setTimeout(function () { if (!A.active && map.hasLayer(A.layer)) { map.removeLayer(A.layer); } }, 0);
  }
});
function bgLabels(pts, names, order, cls) {
  // permanent labels; on every view, a label that would overlap a label placed before it
  // (order: most important first) is hidden
  var group = L.layerGroup(), tips = null, map = null;
  function place() {
    if (!map) { return; }
    var size = map.getSize(), kept = [], boxes = [];
    for (var k = 0; k < order.length; k++) {
      var el = tips[order[k]].getElement();
      if (el) { el.style.visibility = ""; }
    }
    for (k = 0; k < order.length; k++) {  // read every size first (one layout), then write
      var t = tips[order[k]], e = t.getElement();
      var p = map.latLngToContainerPoint(t.getLatLng());
      boxes.push(e ? [p.x - e.offsetWidth / 2 - 3, p.y - e.offsetHeight / 2 - 1,
                      p.x + e.offsetWidth / 2 + 3, p.y + e.offsetHeight / 2 + 1] : null);
    }
    for (k = 0; k < order.length; k++) {
      var b = boxes[k], el2 = tips[order[k]].getElement();
      if (!b || !el2) { continue; }
      var out = b[2] < 0 || b[0] > size.x || b[3] < 0 || b[1] > size.y;
      var hit = out || kept.some(function (o) { return !(o[2] < b[0] || o[0] > b[2] || o[3] < b[1] || o[1] > b[3]); });
      el2.style.visibility = hit ? "hidden" : "";
      if (!hit) { kept.push(b); }
    }
  }
  group.on("add", function () {
    map = group._map;
    if (!tips) {
      tips = pts.map(function (p, i) {
        return L.tooltip({permanent: true, direction: "center", className: cls, interactive: false})
          .setLatLng(p).setContent(names[i]);
      });
      tips.forEach(function (t) { group.addLayer(t); });
    }
    map.on("zoomend moveend resize", place);
    setTimeout(place, 0);
  });
  group.on("remove", function () { if (map) { map.off("zoomend moveend resize", place); } map = null; });
  group.bgPlace = place;
  return group;
}
function bgBase(layers, renderer) {
  // the base map: each entry {d: compact geometry, s: Leaflet path style}
  var group = L.layerGroup();
  for (var i = 0; i < layers.length; i++) {
    var s = layers[i].s;
    s.renderer = renderer; s.interactive = false;
    group.addLayer(L.geoJson(bgDecode(layers[i].d), {style: s, interactive: false}));
  }
  return group;
}

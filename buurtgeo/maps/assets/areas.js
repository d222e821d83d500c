(function (P) {
  // area services (parks, play spaces): filled outlines with the points' tooltip and popup
  function tip(i) {
    var v = P.tipcol >= 0 ? P.cols[P.tipcol][1] : null;
    v = v === null ? "" : (typeof v === "string" ? v : v[i]);
    return "<b>" + P.names[i] + "</b><br>" + P.sub + (P.sub && v ? " · " : "") + v;
  }
  return bgGroup(P.geo, function (ll, i) {
    var l = L.polygon(ll, {pane: "bgServices", color: P.colour, weight: 1.5, opacity: 0.9,
                           fillColor: P.colour, fillOpacity: 0.45});
    l.bindTooltip(function () { return tip(i); }, {sticky: true, className: "bg-tip"});
    l.bindPopup(function () { return bgTable(P.names[i], P.cols, i); }, {maxWidth: 320});
    return l;
  });
})({{ this.ctx.points|tojson }})

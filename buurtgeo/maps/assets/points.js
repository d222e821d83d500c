(function () {
    // one array per attribute, written once; the markers are made in one loop (no
    // GeoJSON feature per point, no array literal re-evaluated per point)
    var ll = {{ this.ctx.latlon|tojson }}, r = {{ this.ctx.radii|tojson }},
        h = {{ this.ctx.hollow|tojson }}, n = {{ this.ctx.names|tojson }},
        c = {{ this.ctx.captions|tojson }}, tt = {{ this.ctx.tooltip|tojson }},
        pp = {{ this.ctx.popup|tojson }}, col = {{ this.ctx.colour|tojson }};
    var group = L.featureGroup();
    for (var i = 0; i < ll.length; i++) {
        var hollow = h[i] === 1;
        var m = L.circleMarker(ll[i], {pane: "bgServices", radius: r[i],
            color: hollow ? col : "#ffffff", weight: hollow ? 2 : 1.5,
            dashArray: hollow ? "3 2" : null, fillColor: col,
            fillOpacity: hollow ? 0.25 : 0.9});
        m.bindTooltip(tt[0] + n[i] + tt[1] + c[i] + tt[2], {className: "bg-tip"});
        m.bindPopup(pp[0] + n[i] + pp[1] + c[i] + pp[2], {maxWidth: 320});
        group.addLayer(m);
    }
    return group;
})()

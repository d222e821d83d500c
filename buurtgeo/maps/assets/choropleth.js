L.geoJson({{ this.ctx.data.get_name() }}, {
                pane: "bgAreas",
                style: function (f) { return {fillColor: {{ this.get_name() }}_c[f.properties.i],
                    color: "#5a5a5a", weight: 1, opacity: 0.9, fillOpacity: 0.72}; },
                onEachFeature: function (f, l) {
                    l.bindTooltip({{ this.get_name() }}_t[f.properties.i],
                                  {sticky: true, className: "bg-tip"});
                    l.bindPopup({{ this.ctx.data.get_name() }}_popup[f.properties.i], {maxWidth: 380});
                    l.on("mouseover", function (e) { e.target.setStyle({weight: 3, color: "#000"}); });
                    l.on("mouseout", function (e) { {{ this.get_name() }}.resetStyle(e.target); });
                }
            })
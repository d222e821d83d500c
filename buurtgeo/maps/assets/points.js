L.geoJson(bgDecode({{ this.ctx.data|tojson }}), {
                pointToLayer: function (f, latlng) {
                    var i = f.properties.i, h = {{ this.ctx.hollow|tojson }}[i];
                    {%- if this.ctx.numbers %}
                    return L.marker(latlng, {pane: "bgServices", icon: L.divIcon({className: "",
                        html: '<div class="bg-num" style="background:' + {{ this.ctx.colour|tojson }} + '">'
                              + {{ this.ctx.numbers|tojson }}[i] + '</div>', iconSize: [24, 24]})});
                    {%- else %}
                    return L.circleMarker(latlng, {pane: "bgServices",
                        radius: {{ this.ctx.radii|tojson }}[i],
                        color: h ? {{ this.ctx.colour|tojson }} : "#ffffff", weight: h ? 2 : 1.5,
                        dashArray: h ? "3 2" : null, fillColor: {{ this.ctx.colour|tojson }},
                        fillOpacity: h ? 0.25 : 0.9});
                    {%- endif %}
                },
                onEachFeature: function (f, l) {
                    l.bindTooltip({{ this.ctx.tooltips|tojson }}[f.properties.i], {className: "bg-tip"});
                    l.bindPopup({{ this.ctx.popups|tojson }}[f.properties.i], {maxWidth: 320});
                }
            })

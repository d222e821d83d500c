L.geoJson(bgDecode({{ this.ctx.data|tojson }}), {pane: "bgCatchments", interactive: false,
                style: {color: {{ this.ctx.colour|tojson }}, weight: 2, dashArray: "6 4",
                        fill: true, fillColor: {{ this.ctx.colour|tojson }}, fillOpacity: 0.06}})

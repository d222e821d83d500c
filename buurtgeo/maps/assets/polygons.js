bgGroup({{ this.ctx.data|tojson }}, function (ll) {
                return L.polygon(ll, {pane: "bgCatchments", interactive: false,
                    color: {{ this.ctx.colour|tojson }}, weight: 2, dashArray: "6 4",
                    fill: true, fillColor: {{ this.ctx.colour|tojson }}, fillOpacity: 0.06}); })

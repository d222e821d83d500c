L.layerGroup((function () {
                var pts = {{ this.ctx.points|tojson }}, names = {{ this.ctx.names|tojson }}, out = [];
                for (var i = 0; i < pts.length; i++) {
                    out.push(L.tooltip({permanent: true, direction: "center", className: "bg-label",
                                        interactive: false}).setLatLng(pts[i]).setContent(names[i]));
                }
                return out; })())
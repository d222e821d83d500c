
            (function () {
              var m = {{ this._parent.get_name() }};
              var blocks = {{ this.ctx.blocks|tojson }};
              var c = L.control({position: "topleft"});
              c.onAdd = function () {
                var d = L.DomUtil.create("div", "bg-box bg-legend");
                d.id = "bg-legend";
                L.DomEvent.disableClickPropagation(d);
                L.DomEvent.disableScrollPropagation(d);
                for (var i = 0; i < blocks.length; i++) {
                  var b = L.DomUtil.create("div", blocks[i].tight ? "bg-block bg-tight" : "bg-block", d);
                  b.innerHTML = blocks[i].html;
                  blocks[i].el = b;
                }
                return d;
              };
              c.addTo(m);
              var layers = [{% for l in this.ctx.layers %}{{ l.get_name() if l else "null" }}, {% endfor %}];
              function update() {
                var first = true;
                for (var i = 0; i < blocks.length; i++) {
                  var l = layers[i], on = (l === null || m.hasLayer(l));
                  blocks[i].el.style.display = on ? "" : "none";
                  blocks[i].el.classList.toggle("bg-first", on && first);
                  if (on) { first = false; }
                }
              }
              // choosing an indicator of one service kind shows that kind's services
              var ind = [{% for l, k in this.ctx.links %}[{{ l.get_name() }}, {{ k|tojson }}], {% endfor %}];
              var dep = [{% for l, k in this.ctx.deps %}[{{ l.get_name() }}, {{ k|tojson }}], {% endfor %}];
              m.on("baselayerchange", function (e) {
                var kind = null;
                for (var i = 0; i < ind.length; i++) { if (ind[i][0] === e.layer) { kind = ind[i][1]; } }
                if (kind !== null && dep.some(function (d) { return d[1] === kind; })) {
                  // after the layer control has finished its own click (it then redraws)
                  setTimeout(function () {
                    for (var j = 0; j < dep.length; j++) {
                      if (dep[j][1] === kind) { m.addLayer(dep[j][0]); } else { m.removeLayer(dep[j][0]); }
                    }
                    update();
                  }, 0);
                }
                update();
              });
              m.on("overlayadd overlayremove", update);
              update();
            })();
            
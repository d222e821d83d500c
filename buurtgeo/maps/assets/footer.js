
                (function(){
                  var c = L.control({position: "bottomleft"});
                  c.onAdd = function(){ var d = L.DomUtil.create("div", "bg-box bg-sources");
                    d.innerHTML = {{ this.ctx.html|tojson }}; return d; };
                  c.addTo({{ this._parent.get_name() }});
                })();

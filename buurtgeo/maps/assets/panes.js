
            {%- set m = this._parent.get_name() %}
            {{ m }}.createPane("bgAreas").style.zIndex = 401;
            {{ m }}.createPane("bgBase").style.zIndex = 402;
            {{ m }}.getPane("bgBase").style.pointerEvents = "none";
            {{ m }}.createPane("bgCatchments").style.zIndex = 405;
            {{ m }}.getPane("bgCatchments").style.pointerEvents = "none";
            {{ m }}.createPane("bgServices").style.zIndex = 410;
            L.control.scale({imperial: false, position: "bottomleft"}).addTo({{ m }});
            
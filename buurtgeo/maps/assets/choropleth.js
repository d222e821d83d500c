new BgIndicator({{ this.ctx.data.get_name() }}, {{ this.get_name() }}_c, {{ this.get_name() }}_p,
                {{ this.ctx.tip|tojson }})

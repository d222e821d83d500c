bgLabels({{ this.ctx.points|tojson }}, {{ this.ctx.names|tojson }}, {{ this.ctx.order|tojson }},
         {{ this.ctx.cls|tojson }}, {{ this.ctx.prio|tojson }})

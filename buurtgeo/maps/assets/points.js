bgPoints({{ this.ctx.points|tojson }})

"""One screen per drill-down level: dashboard, campaign, call; plus help."""

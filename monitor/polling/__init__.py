"""Fetching inside the rate budget: cadence, budget, scheduling and the pollers."""

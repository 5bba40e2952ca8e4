"""Widgets that only present state: tables updated by key and diff, gauges, the status line."""

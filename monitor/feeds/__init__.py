"""Feeds: sources and sinks of snapshots."""

"""The terminal UI (Textual): dashboard, drill-down screens, widgets.

Nothing outside this package but the entry (`monitor.main`) imports it; it renders the
`MonitorSnapshot` values a `Feed` gives it (`monitor.state.snapshot`, `monitor.feeds.base`)
and sends intents back; it never imports the API client, the pollers or the simulator.
Every API string reaches the screen through `monitor.display.to_display` and a
`Text`/`Content` object, never a markup string.
"""

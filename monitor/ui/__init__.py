"""The terminal UI (Textual): dashboard, drill-down screens, widgets.

Nothing outside this package imports it; it imports the data layers (state views, engine,
display) and renders what they give it. Every API string reaches the screen through
`monitor.display.to_display` and a `Text`/`Content` object, never a markup string.
"""

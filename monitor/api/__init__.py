"""The DialNexa REST API as the monitor sees it: one client, typed errors, normalised models."""

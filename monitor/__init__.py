"""DialNexa Monitor: a keyboard-driven terminal live monitor for DialNexa calling campaigns."""

__version__ = "0.1.0"

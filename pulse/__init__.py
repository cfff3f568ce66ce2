"""Pulse: feedback, sentiment and automation impact for small businesses."""

__version__ = "0.1.0"

"""Innkjøpsassistent: cited answers about environmental and social responsibility in public procurement."""

__version__ = "0.1.0"

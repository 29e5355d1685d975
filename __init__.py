"""hisms: SMS integration engine for hospitals."""

__version__ = "0.1.0"

"""Channels: thin adapters that parse their input, call the answer core and render its result."""

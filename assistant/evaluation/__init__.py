"""Measuring the answer core on question sets: scoring and gates (run), configurations side by side
(compare) and the Markdown report (report)."""

"""`split_sentences(text)`: the one sentence splitter, for answer units, grounding and injection screening.
Every sentence is a verbatim substring of the text (so it can be a citation snippet)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? followed by space and an upper-case letter, digit or quote, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"«(A-ZÆØÅ0-9§])|\n+")
_ABBREVIATIONS = re.compile(
    r"\b(nr|ca|bl\.a|f\.eks|jf|kr|mill|mrd|pkt|St\.meld|dvs|osv|mv|inkl|ekskl|e\.l|m\.m|o\.l|t\.o\.m)\.$"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, each a verbatim substring of it; abbreviations do not end a sentence."""
    pieces: list[str] = []
    for part in _SENTENCE_END.split(text):
        part = part.strip()
        if not part:
            continue
        if pieces and _ABBREVIATIONS.search(pieces[-1]) and (pieces[-1] + " " + part) in text:
            pieces[-1] = pieces[-1] + " " + part
        else:
            pieces.append(part)
    return [p.lstrip("-*•> ").strip() for p in pieces]

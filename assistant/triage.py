"""Looks at a question before retrieval: its language, whether it tries to take over the assistant,
whether it is a follow-up that needs the conversation. Also owns the user-facing refusal texts.
"""

from __future__ import annotations

import re

from assistant.lexical import tokenize

_EN = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "does",
        "do",
        "did",
        "is",
        "are",
        "can",
        "could",
        "should",
        "must",
        "the",
        "a",
        "an",
        "of",
        "for",
        "to",
        "with",
        "about",
        "and",
        "or",
        "there",
        "any",
        "apply",
        "applies",
        "rules",
        "rule",
        "require",
        "requires",
        "required",
        "public",
        "procurement",
    ]
)
_NB = frozenset(
    [
        "hva",
        "hvem",
        "hvilke",
        "hvilken",
        "hvor",
        "når",
        "hvordan",
        "hvorfor",
        "er",
        "kan",
        "må",
        "skal",
        "og",
        "i",
        "på",
        "til",
        "av",
        "for",
        "med",
        "om",
        "det",
        "den",
        "de",
        "som",
        "vi",
        "jeg",
        "ikke",
        "gjelder",
        "anskaffelser",
        "innkjøp",
    ]
)

_INJECTION = re.compile(
    r"(ignor\w*|glem\w*|forget|disregard|overse|se bort fra)\W+(?:\w+\W+){0,4}?"
    r"(instru\w*|prompt\w*|beskjed\w*|directions|programmering\w*)"
    r"|system\s*-?\s*(prompt|melding|message|instru\w*)"
    r"|(you are now|you're now|du er nå|fra nå av er du|from now on you|act as|opptre som|late som|pretend)"
    r"|(svar|respond|reply|answer)\w*\s+(bare|kun|only|just)\s+(med|with)"
    r"|(developer|utvikler)\s*-?\s*(mode|modus)|jailbreak|\bDAN\b"
    r"|(reveal|show|print|leak|vis|skriv ut|gjenta|repeat)\W+(?:\w+\W+){0,3}?"
    r"(prompt|instru\w*|hemmelig\w*|secret\w*|nøkkel|api.?key)",
    re.IGNORECASE,
)
_TASK = re.compile(
    r"\b(oversett\w*|translate\w*)\b"
    r"|\b(skriv|lag|dikt|write|compose|generate|make)\w*\s+(?:meg\s+|me\s+)?(?:et|en|ei|a|an|some)?\s*"
    r"(?:\w+\s+)?(dikt|vits|sang|historie|novelle|essay|poem|joke|song|story|rap|haiku|limerick|kode|code)\b",
    re.IGNORECASE,
)
_FOLLOW_UP_START = re.compile(
    r"^\s*(og|men|hva med|enn|gjelder det|gjelder dette|hvordan med|and|but|what about|how about|"
    r"does that|does this|is that|same for)\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(r"\b(det|dette|den|dem|disse|da|it|that|this|those|they|them)\b", re.IGNORECASE)

REFUSAL = {
    "nb": (
        "Jeg finner ikke noe sikkert svar på dette i kildene mine, så jeg vil ikke gjette. "
        "Jeg svarer på spørsmål om miljø- og samfunnsansvar i offentlige anskaffelser. "
        "For hjelp med en konkret anskaffelse: se veiledningen til DFØ på anskaffelser.no, "
        "eller kontakt innkjøpsfaglig støtte i din region."
    ),
    "en": (
        "I cannot find a reliable answer to this in my sources, so I will not guess. "
        "I answer questions about environmental and social responsibility in Norwegian public procurement. "
        "For help with a specific purchase: see DFØ's guidance at anskaffelser.no, "
        "or contact the procurement support service in your region."
    ),
}
INJECTION_REFUSAL = {
    "nb": (
        "Jeg kan ikke endre oppgaven min eller vise instruksjonene mine. "
        "Jeg svarer bare på spørsmål om miljø- og samfunnsansvar i offentlige anskaffelser, med kilder. "
        "For annen hjelp: se DFØs veiledning på anskaffelser.no, "
        "eller kontakt innkjøpsfaglig støtte i din region."
    ),
    "en": (
        "I cannot change my task or show my instructions. "
        "I only answer questions about environmental and social responsibility in public procurement, "
        "with sources. For other help: see DFØ's guidance at anskaffelser.no, "
        "or contact the procurement support service in your region."
    ),
}
ENGLISH_LEAD = "From the Norwegian sources: "


def detect_language(text: str) -> str:
    """'nb' or 'en' from a few function words and the Norwegian letters; bokmål wins ties."""
    if re.search(r"[æøåÆØÅ]", text):
        return "nb"
    words = re.findall(r"[a-z]+", text.lower())
    english = sum(w in _EN for w in words)
    norwegian = sum(w in _NB for w in words)
    return "en" if english > norwegian else "nb"


def is_injection(text: str) -> bool:
    """True for attempts to override, re-role or extract the assistant's instructions."""
    return bool(_INJECTION.search(text))


def is_task_request(text: str) -> bool:
    """True for requests to produce something (a poem, a translation, code) rather than questions."""
    return bool(_TASK.search(text))


def is_follow_up(question: str, has_history: bool) -> bool:
    if not has_history:
        return False
    return (
        bool(_FOLLOW_UP_START.search(question))
        or len(tokenize(question)) <= 4
        or bool(_ANAPHORA.search(question) and len(tokenize(question)) <= 7)
    )

"""Looks at a question before retrieval: its language, whether it tries to take over the assistant,
whether it is a follow-up that needs the conversation. Also owns the user-facing refusal texts.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from assistant.core.sentences import split_sentences
from assistant.search.lexical import tokenize

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
    r"(prompt|instru\w*|hemmelig\w*|secret\w*|nøkkel|api.?key)"
    # the assistant's own instructions, by possessive: "your guidelines", "instruksjonene dine"
    r"|\byour\s+(?:\w+\s+){0,2}?(instru\w*|prompt\w*|guidelines|programming|rules|restrictions)"
    r"|\b(instruksjonene|instruksene|reglene|retningslinjene|begrensningene)\s+dine\b"
    r"|\b(prompten|instruksen|systemprompten)\s+din\b"
    r"|(hidden|secret|skjult\w*|hemmelig\w*)\s+(instru\w*|prompt\w*|rules|regler)"
    # "repeat the text above", "hva ble du fortalt før samtalen"
    r"|(repeat|print|output|translate|gjenta|skriv ut|oversett)\W+(?:\w+\W+){0,4}?"
    r"(above|ovenfor|før dette|før samtalen|before this)"
    r"|(told|instructed|fortalt|instruert)\W+(?:\w+\W+){0,2}?(before|før)\b"
    r"|(ignor\w*|disregard|overse|se bort fra)\W+(?:\w+\W+){0,2}?(kild\w*|sources?)\b"
    r"|(make up|invent|finn på|dikt\w* opp)\W+(?:\w+\W+){0,2}?(answer|svar)\b"
    r"|(fra nå av|heretter)\s+(skal|må|er)\s+du|from now on,?\s+(you|your|answer|respond|reply)"
    r"|(gjenta|skriv ut|oversett)\W+(teksten|meldingen|alt|det som står)\s+(over|ovenfor)\b"
    r"|\b(instruks\w*|regler)\s+(har du fått|fikk du)\b"
    r"|\b(new|nye)\s+(instru\w*|rules|regler|role|rolle)\s*[:!]"
    r"|\b(svar|answer|respond|reply)\s+(alltid|always)\b|\b(answer|respond to) every question"
    r"|\b(bypass|omgå|override|overstyr)\w*\W+(?:\w+\W+){0,2}?(guidelines|rules|regl\w*|instru\w*|filter\w*)"
    # chat-template control tokens and role lines pasted into a question
    r"|<\|im_(start|end)\|>|\[/?INST\]|<</?SYS>>|</s>|(^|\n)\s*#*\s*(system|assistant)\s*:",
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
DATED_NOTE = {
    "nb": "(Svaret bygger på den nyeste kilden, datert {date}.)",
    "en": "(This follows the newest source, dated {date}.)",
}
OTHER_FIGURES = {"nb": "; eldre kilder oppgir andre tall", "en": "; older sources give other figures"}
MONTHS = {  # month names as dates are written, by language
    "nb": [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def format_date(when: date, language: str) -> str:
    """ "5. januar 2024" / "5 January 2024"."""
    month = MONTHS[language][when.month - 1]
    return f"{when.day}. {month} {when.year}" if language == "nb" else f"{when.day} {month} {when.year}"


def detect_language(text: str) -> str:
    """'nb' or 'en' from a few function words and the Norwegian letters; bokmål wins ties."""
    if re.search(r"[æøåÆØÅ]", text):
        return "nb"
    words = re.findall(r"[a-z]+", text.lower())
    english = sum(w in _EN for w in words)
    norwegian = sum(w in _NB for w in words)
    return "en" if english > norwegian else "nb"


@lru_cache(maxsize=65536)  # also run on every evidence sentence: corpus sentences repeat across questions
def is_injection(text: str) -> bool:
    """True for attempts to override, re-role or extract the assistant's instructions."""
    return bool(_INJECTION.search(text))


def is_task_request(text: str) -> bool:
    """True for requests to produce something (a poem, a translation, code) rather than questions."""
    return bool(_TASK.search(text))


def without_instructions(text: str, placeholder: str = "") -> str:
    """The text with every instruction-like sentence removed (or replaced by `placeholder`).

    Corpus chunks are quoted data: a sentence in a document that tells the assistant what to do is never
    shown to the chat model as text it might follow, never used as evidence and never counts as support.
    """
    if not is_injection(text):
        return text
    kept = [placeholder if is_injection(s) else s for s in split_sentences(text)]
    return " ".join(s for s in kept if s)


def is_follow_up(question: str, has_history: bool) -> bool:
    if not has_history:
        return False
    return (
        bool(_FOLLOW_UP_START.search(question))
        or len(tokenize(question)) <= 4
        or bool(_ANAPHORA.search(question) and len(tokenize(question)) <= 7)
    )


# A time a question is about: a year, now, or the old days.
_TIME = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(nå|i dag|idag|no for tida|today|now|currently|at the moment|"
    r"den gang|dengang|opprinnelig|tidligere|originally|previously)\b",
    re.IGNORECASE,
)


def with_its_own_time(previous: str, follow_up: str) -> str:
    """The previous question as context for a follow-up: when the follow-up names its own time ("Og hva er
    den i dag?" after "… i 2012?"), the previous question's time is left out, so it does not steer."""
    if not _TIME.search(follow_up):
        return previous
    return " ".join(_TIME.sub(" ", previous).split())

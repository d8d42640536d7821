"""Every text that the channels and the staff app show a person, in one place: bokmål by default, English
for a buyer who asked in English.

`say(key, language, **fields)` gives a buyer-facing text in `"nb"` or `"en"`; `language_of(question)` is
the language a reply around an answer should use (the core's own detection, so the words around an answer
match the answer). Slack, Teams, the SSE stream and the web widget (`widget_strings`, put into widget.js
when it is served) all read from here; the staff app's words are the bokmål `STAFF_*` labels.

Not here: the answer core's own texts (refusals and the English lead, in `assistant.core.triage`, owned by the
core), and the HTTP API's error messages, which are for client developers and part of the English API
contract. Pure data and lookups: no channel, database or answer logic.
"""

from __future__ import annotations

from typing import Literal

from assistant.core.triage import detect_language

Language = Literal["nb", "en"]
LANGUAGES: tuple[Language, ...] = ("nb", "en")

EXAMPLE_QUESTIONS: dict[Language, list[str]] = {
    "nb": [
        "Hvilke miljøkrav kan vi stille i en anskaffelse?",
        "Hva er terskelverdiene for offentlige anskaffelser?",
        "Hva sier handlingsplanen fra 2007 om samfunnsansvar?",
    ],
    "en": [
        "Which environmental requirements can we set in a tender?",
        "What are the thresholds for public procurement?",
        "What does the 2007 action plan say about social responsibility?",
    ],
}

_SCOPE = {
    "nb": "Jeg svarer på spørsmål om miljø- og samfunnsansvar i offentlige anskaffelser",
    "en": "I answer questions about environmental and social responsibility in public procurement",
}

TEXTS: dict[str, dict[Language, str]] = {
    # ---- around an answer (Slack, Teams, widget) --------------------------------------------------
    "app_name": {"nb": "Innkjøpsassistenten", "en": "The procurement assistant"},
    "greeting": {
        "nb": f"Hei! {_SCOPE['nb']}, med kilder du kan sjekke. Hva lurer du på?",
        "en": f"Hello! {_SCOPE['en']}, with sources you can check. What would you like to know?",
    },
    "welcome": {
        "nb": f"Hei! {_SCOPE['nb']}, med kilder du kan sjekke. Skriv et spørsmål, eller prøv et av disse:",
        "en": f"Hello! {_SCOPE['en']}, with sources you can check. Type a question, or try one of these:",
    },
    "welcome_channel_hint": {
        "nb": "I kanaler og gruppechatter: nevn meg med @ foran spørsmålet.",
        "en": "In channels and group chats: mention me with @ before the question.",
    },
    "help_short": {
        "nb": "Still meg et spørsmål om miljø- og samfunnsansvar i offentlige anskaffelser.",
        "en": "Ask me a question about environmental and social responsibility in public procurement.",
    },
    "help_slack": {
        "nb": f"{_SCOPE['nb']}, med kilder.\n"
        "Skriv spørsmålet ditt etter at du nevner meg, eller bruk `/innkjop`. For eksempel:\n{examples}",
        "en": f"{_SCOPE['en']}, with sources.\n"
        "Write your question after mentioning me, or use `/innkjop`. For example:\n{examples}",
    },
    "examples_title": {"nb": "Eksempler på spørsmål", "en": "Example questions"},
    "searching": {"nb": "Søker i kildene…", "en": "Searching the sources…"},
    "you_asked": {"nb": "Du spurte: {question}", "en": "You asked: {question}"},
    "sources": {"nb": "Kilder", "en": "Sources"},
    "up": {"nb": "Nyttig", "en": "Helpful"},
    "down": {"nb": "Ikke nyttig", "en": "Not helpful"},
    "up_long": {"nb": "Nyttig svar", "en": "Helpful answer"},
    "down_long": {"nb": "Ikke nyttig svar", "en": "Unhelpful answer"},
    "escalate": {"nb": "Spør en veileder", "en": "Ask an adviser"},
    "escalate_long": {"nb": "Send spørsmålet til en veileder", "en": "Send the question to an adviser"},
    # ---- problems ---------------------------------------------------------------------------------
    "too_long": {
        "nb": "Spørsmålet er for langt ({length} tegn). Hold det under {limit} tegn – gjerne ett spørsmål "
        "om gangen, så finner jeg lettere riktige kilder.",
        "en": "The question is too long ({length} characters). Keep it under {limit} characters – one "
        "question at a time helps me find the right sources.",
    },
    "not_text": {
        "nb": "Spørsmålet inneholder tegn som ikke er vanlig tekst. Skriv det gjerne på nytt.",
        "en": "The question contains characters that are not plain text. Please type it again.",
    },
    "error": {
        "nb": "Beklager, noe gikk galt hos oss, så jeg fikk ikke svart. Prøv igjen om litt.",
        "en": "Sorry, something went wrong on our side, so I could not answer. Please try again shortly.",
    },
    "internal": {"nb": "Noe gikk galt hos oss.", "en": "Something went wrong on our side."},
    "unknown_answer": {"nb": "Jeg fant ikke dette svaret lenger.", "en": "I can no longer find this answer."},
    # ---- feedback and hand-off --------------------------------------------------------------------
    "feedback_thanks": {"nb": "Takk for tilbakemeldingen!", "en": "Thank you for the feedback!"},
    "feedback_changed": {
        "nb": "Takk! Vurderingen din er endret.",
        "en": "Thank you! Your rating has been changed.",
    },
    "feedback_same": {
        "nb": "Du har allerede gitt denne vurderingen. Takk!",
        "en": "You have already given this rating. Thank you!",
    },
    "feedback_down_hint": {
        "nb": " Trenger du hjelp fra et menneske, trykk «Spør en veileder».",
        "en": " If you need help from a person, press «Ask an adviser».",
    },
    "escalated": {
        "nb": "Takk! Spørsmålet ditt er sendt til en veileder, som tar kontakt med deg.",
        "en": "Thank you! Your question has been sent to an adviser, who will contact you.",
    },
    "escalation_repeated": {
        "nb": "Dette spørsmålet er allerede sendt til en veileder.",
        "en": "This question has already been sent to an adviser.",
    },
    "escalation_not_notified": {
        "nb": "Spørsmålet er registrert, men jeg fikk ikke varslet en veileder. "
        "Kontakt innkjøpsfaglig støtte i din region direkte.",
        "en": "The question is registered, but I could not notify an adviser. "
        "Please contact the procurement support service in your region directly.",
    },
    "staff_answer_title": {
        "nb": "Svar fra en veileder i {region}",
        "en": "Answer from an adviser in {region}",
    },
    "staff_answer_message": {
        "nb": "En veileder i {region} har svart på spørsmålet ditt «{question}»:\n\n{answer}{links}",
        "en": "An adviser in {region} has answered your question «{question}»:\n\n{answer}{links}",
    },
    "you_asked_quoted": {"nb": "Du spurte: «{question}»", "en": "You asked: «{question}»"},
}

# ---- the web widget's own words (served inside widget.js) -------------------------------------------
WIDGET: dict[str, dict[Language, str]] = {
    "launcher": {"nb": "Spør om innkjøp", "en": "Ask about procurement"},
    "title": {"nb": "Innkjøpsassistent", "en": "Procurement assistant"},
    "subtitle": {
        "nb": "Svar fra kildene, med kildehenvisninger",
        "en": "Answers from the sources, with citations",
    },
    "close": {"nb": "Lukk", "en": "Close"},
    "newChat": {"nb": "Ny samtale", "en": "New conversation"},
    "label": {"nb": "Spørsmål", "en": "Question"},
    "placeholder": {"nb": "Skriv spørsmålet ditt…", "en": "Type your question…"},
    "send": {"nb": "Send", "en": "Send"},
    "starters": {"nb": "Forslag", "en": "Suggestions"},
    "you": {"nb": "Du", "en": "You"},
    "bot": {"nb": "Assistent", "en": "Assistant"},
    "searching": TEXTS["searching"],
    "sources": TEXTS["sources"],
    "showSnippet": {"nb": "Vis utdrag", "en": "Show excerpt"},
    "snippet": {"nb": "Utdrag", "en": "Excerpt"},
    "verified": {
        "nb": "Bygger på et verifisert svar fra en veileder",
        "en": "Built on an answer verified by an adviser",
    },
    "staffAnswer": {"nb": "Svar fra veileder", "en": "Answer from an adviser"},
    "up": TEXTS["up"],
    "down": TEXTS["down"],
    "upLong": TEXTS["up_long"],
    "downLong": TEXTS["down_long"],
    "comment": {"nb": "Kommentar (valgfritt)", "en": "Comment (optional)"},
    "sendFeedback": {"nb": "Send tilbakemelding", "en": "Send feedback"},
    "thanks": TEXTS["feedback_thanks"],
    "escalate": TEXTS["escalate"],
    "contact": {"nb": "E-post eller telefon (valgfritt)", "en": "E-mail or phone (optional)"},
    "note": {
        "nb": "Hva vil du at veilederen skal se på? (valgfritt)",
        "en": "What should the adviser look at? (optional)",
    },
    "sendEscalation": {"nb": "Send til veileder", "en": "Send to adviser"},
    "escalated": {"nb": "Sendt! En veileder følger opp.", "en": "Sent! An adviser will follow up."},
    "notSent": {"nb": "Kunne ikke sende. Prøv igjen.", "en": "Could not send. Please try again."},
    "retry": {"nb": "Prøv igjen", "en": "Try again"},
    "network": {
        "nb": "Fikk ikke kontakt med assistenten. Sjekk nettforbindelsen og prøv igjen.",
        "en": "Could not reach the assistant. Check your connection and try again.",
    },
    "server": {
        "nb": "Noe gikk galt hos oss. Prøv igjen om litt.",
        "en": "Something went wrong on our side. Please try again shortly.",
    },
    "tooLong": {
        "nb": "Spørsmålet er for langt (maks {max} tegn).",
        "en": "The question is too long (at most {max} characters).",
    },
    "empty": {"nb": "Skriv et spørsmål først.", "en": "Type a question first."},
    "busy": {
        "nb": "Kildene er ikke tilgjengelige akkurat nå. Prøv igjen om litt.",
        "en": "The sources are unavailable right now. Please try again shortly.",
    },
    "rateLimited": {
        "nb": "For mange spørsmål på kort tid. Prøv igjen om {seconds} sekunder.",
        "en": "Too many questions in a short time. Try again in {seconds} seconds.",
    },
}
WIDGET_EXAMPLES: dict[Language, list[str]] = {
    "nb": [
        "Hvor mye skal klima og miljø vektes i anskaffelser?",
        "Hva er terskelverdiene for offentlige anskaffelser?",
        "Hvor finner jeg de veiledende innkjøpskriteriene?",
    ],
    "en": [
        "How much must climate and environment weigh in a tender?",
        "What are the procurement thresholds in Norway?",
        "Which eco-labels can a buyer ask for?",
    ],
}

# ---- the staff app (advisers work in bokmål) --------------------------------------------------------
STAFF_STATUS = {"open": "åpen", "answered": "besvart", "closed": "lukket"}
STAFF_REASONS = {
    "refused": "Avvist",
    "down": "Ikke nyttig",
    "escalated": "Til veileder",
    "source_changed": "Kilde endret",
}
STAFF_RATINGS = {"up": "nyttig", "down": "ikke nyttig"}
STAFF_ROLES = {"staff": "veileder", "admin": "administrator"}
STAFF_CHARTS = {"questions": "Spørsmål per dag", "rates": "Andel avvist og «ikke nyttig» per dag"}
STAFF_ERRORS = {  # by error code; the staff app's forms and pages show these
    "login_failed": "Feil brukernavn eller passord.",
    "login_expired": "Innloggingsskjemaet er utløpt. Last siden på nytt.",
    "csrf": "Skjemaet er utløpt eller ugyldig. Last siden på nytt.",
    "not_found": "Fant ikke spørsmålet.",
    "other_region": "Spørsmålet hører til en annen region.",
    "own_region": "Du kan bare se din egen region.",
    "admin_only": "Bare administratorer kan gjøre dette.",
    "unknown_status": "Ukjent status.",
    "answer_incomplete": "Både spørsmålet og svaret må fylles ut.",
    "bad_link": "Lenker må begynne med https:// eller http://.",
    "bad_date": "Datoer skrives ÅÅÅÅ-MM-DD.",
    "bad_source_url": "Adressen må være en hel nettadresse som begynner med https:// eller http://.",
    "bad_refresh": "Skriv hvor ofte kilden skal oppdateres som 30m, 12h, 1d eller 1w (minst 5 minutter).",
    "bad_language": "Ukjent språk.",
    "unknown_source": "Fant ikke kilden (bare kilder lagt til her eller fra kommandolinjen kan tas ut).",
    "unknown_document": "Fant ikke dokumentet.",
    "invalid_username": "Brukernavnet må ha 1–64 tegn.",
    "weak_password": "Passordet må ha minst {min} tegn.",
    "invalid_role": "Ukjent rolle.",
    "missing_region": "En veileder må ha en region.",
    "username_taken": "Brukernavnet er tatt.",
}
STAFF_SIGN_IN = {  # signing in with the organisation's account (OpenID Connect) and signing out; by code
    "refused_heading": "Innloggingen ble avvist",
    "no_access_heading": "Ingen tilgang",
    "several_regions_heading": "Ingen tilgang",
    "signed_out": "Du er logget ut av veilederpanelet.",
    "signing_out": "Du er logget ut av veilederpanelet. Nå logges du også ut hos innloggingstjenesten …",
    "signing_out_continue": "Fortsett til utlogging hos innloggingstjenesten",
    "sign_in_expired": "Innloggingen er utløpt, allerede brukt eller startet i en annen nettleser. "
    "Start innloggingen på nytt.",
    "provider_refused": "Innloggingstjenesten avbrøt innloggingen. Prøv igjen, eller kontakt administratoren "
    "hvis det skjer igjen.",
    "token_refused": "Innloggingstjenesten godtok ikke innloggingen. Start innloggingen på nytt.",
    "token_rejected": "Innloggingen kunne ikke bekreftes: svaret fra innloggingstjenesten besto ikke "
    "kontrollen. Prøv igjen, eller kontakt administratoren.",
    "provider_unavailable": "Innloggingstjenesten svarer ikke akkurat nå. Prøv igjen om litt.",
    "provider_misconfigured": "Innloggingstjenesten er satt opp feil hos oss. Kontakt administratoren.",
    "no_access": "Du er logget inn hos innloggingstjenesten, men har ikke tilgang til veilederpanelet. "
    "Be administratoren om tilgang, og oppgi identifikatoren nedenfor.",
    "several_regions": "Du er med i grupper for flere regioner ({regions}). En veileder kan bare ha én "
    "region; be administratoren rette gruppene.",
    "local_disabled": "Innlogging med brukernavn og passord er slått av. Bruk innloggingstjenesten.",
    "no_provider": "Innlogging med organisasjonskonto er ikke satt opp.",
}
STAFF_ACTIONS = {  # what the history of a question says each staff action was (assistant.staff.actions)
    "answer_written": "skrev et verifisert svar",
    "status_closed": "lukket spørsmålet",
    "status_open": "åpnet spørsmålet igjen",
    "status_answered": "merket spørsmålet som besvart",
    "source_added": "la til en kilde",
    "source_changed": "endret en kilde",
}
STAFF_OVERRIDE_NOTES = {  # notes saved with a staff override of a document (assistant.staff.sources)
    "marked_outdated": "merket utdatert på «Kilder»",
}
STAFF_HANDOFF = {  # what a regional staff channel in Slack gets when a buyer presses «Spør en veileder»
    "title": "Spørsmål til veileder",
    "from": "Fra",
    "channel": "Kanal",
    "region": "Region",
    "no_region": "ikke satt",
    "question": "Spørsmål",
    "answer": "Assistentens svar:",
    "refused": "Assistenten fant ikke noe sikkert svar.",
    "open_thread": "Åpne tråden",
    "private": "Spurt privat med `/innkjop`",
    "unknown": "ukjent",
}


def language_of(text: str | None) -> Language:
    """The language to answer around `text` in: English for an English question, else bokmål."""
    return "en" if text and detect_language(text) == "en" else "nb"


def say(key: str, language: str = "nb", **fields: object) -> str:
    """The text `key` in `language` (bokmål for anything else), with `{fields}` filled in."""
    texts = TEXTS[key]
    text = texts.get(language, texts["nb"])  # type: ignore[call-overload]
    return text.format(**fields) if fields else text


def widget_strings() -> dict[str, dict[str, object]]:
    """The widget's words in both languages, as widget.js receives them (`{max}`/`{seconds}` filled
    in by the widget)."""
    return {
        language: {
            **{key: texts[language] for key, texts in WIDGET.items()},
            "examples": WIDGET_EXAMPLES[language],
        }
        for language in LANGUAGES
    }

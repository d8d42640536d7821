"""Teams text in and Adaptive Cards out (pure functions), plus the Teams app package in deploy/teams."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from assistant.channels import teams_cards as cards
from assistant.channels.teams import conversation_key
from assistant.channels.teams_auth import token_url
from assistant.config import Settings
from assistant.models import Answer, Citation

BOT = {"id": "28:bot-app-id", "name": "Innkjøpsassistent"}
PACKAGE = Path(__file__).resolve().parents[2] / "deploy" / "teams"


def _message(text: str, entities: list[dict] | None = None) -> dict:
    return {"type": "message", "text": text, "recipient": BOT, "entities": entities or []}


def _citation(source: str, title: str = "Terskelverdier", section: str = "") -> Citation:
    return Citation(chunk_id="c1", title=title, section=section, source=source, snippet="Et utdrag.")


def test_bot_mention_is_removed_and_other_mentions_keep_their_name():
    bot = {"type": "mention", "text": "<at>Innkjøpsassistent</at>", "mentioned": BOT}
    kari = {"type": "mention", "text": "<at>Kari</at>", "mentioned": {"id": "29:kari", "name": "Kari"}}
    text = "<at>Innkjøpsassistent</at> kan <at>Kari</at> bruke Svanemerket?&nbsp;"
    assert cards.question_from_activity(_message(text, [bot, kari])) == "kan Kari bruke Svanemerket?"


def test_mention_of_someone_else_with_the_bots_name_is_not_stripped():
    lookalike = {"type": "mention", "text": "<at>Innkjøpsassistent</at>", "mentioned": {"id": "29:someone"}}
    assert cards.question_from_activity(_message("<at>Innkjøpsassistent</at> hei", [lookalike])) == (
        "Innkjøpsassistent hei"
    )


def test_only_our_own_submit_data_is_accepted():
    assert cards.parse_submit({"action": "feedback", "rating": "up", "message_id": "m1"}) == cards.Submit(
        "feedback", "m1", "up"
    )
    assert cards.parse_submit({"action": "ask", "question": "  Hva er LCC? "}).question == "Hva er LCC?"
    for foreign in (
        None,
        "text",
        {"action": "feedback", "rating": "meh", "message_id": "m1"},
        {"action": "feedback", "rating": "up"},
        {"action": "escalate", "message_id": ["m1"]},
        {"action": "ask", "question": ""},
        {"action": "delete_everything"},
    ):
        assert cards.parse_submit(foreign) is None


def test_source_lines_link_only_http_sources_and_keep_markdown_intact():
    assert cards.source_line(1, _citation("https://lovdata.no/dokument/NL/lov/2016-06-17-73")) == (
        "1. [Terskelverdier](https://lovdata.no/dokument/NL/lov/2016-06-17-73)"
    )
    tricky = _citation("https://example.no/a_(b)", title="Forskrift [utkast]", section="§ 7-9")
    assert cards.source_line(2, tricky) == "2. [Forskrift (utkast) – § 7-9](https://example.no/a_%28b%29)"
    assert cards.source_line(3, _citation("Brev fra ministrene")) == "3. Terskelverdier (Brev fra ministrene)"
    assert cards.source_line(4, _citation("javascript:alert(1)")) == "4. Terskelverdier (javascript:alert(1))"


def test_english_answer_gets_english_labels():
    result = Answer(
        answer="Yes [1]", refused=False, confidence=0.9, language="en", citations=[_citation("x")]
    )
    card = cards.answer_card(result, "m1")["content"]
    assert [a["title"] for a in card["actions"]] == ["👍 Helpful", "👎 Not helpful", "Ask an adviser"]
    assert card["body"][1]["text"] == "Sources"


def test_long_teams_conversation_ids_fit_the_database_column_and_stay_stable():
    short = {"conversation": {"id": "a:1personal"}}
    long = {"conversation": {"id": "19:" + "x" * 80 + "@thread.tacv2;messageid=1700000000001"}}
    assert conversation_key(short) == "teams:a:1personal"
    assert len(conversation_key(long)) <= 64 and conversation_key(long) == conversation_key(dict(long))


@pytest.mark.parametrize(
    ("tenant", "expected"),
    [
        (None, "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"),
        ("my-tenant", "https://login.microsoftonline.com/my-tenant/oauth2/v2.0/token"),
    ],
)
def test_single_tenant_bots_get_their_token_from_their_own_tenant(tenant, expected):
    assert token_url(Settings(_env_file=None, microsoft_app_tenant_id=tenant)) == expected


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_teams_app_package_has_a_valid_manifest_and_icon_sizes():
    manifest = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["manifestVersion"] == "1.17"
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert all(len(c["title"]) <= 32 for c in bot["commandLists"][0]["commands"])
    assert _png_size(PACKAGE / manifest["icons"]["color"]) == (192, 192)
    assert _png_size(PACKAGE / manifest["icons"]["outline"]) == (32, 32)


def test_staff_answer_card_shows_who_answered_what_was_asked_and_only_web_links():
    long_link = "https://www.anskaffelser.no/" + "a" * 80
    card = cards.staff_answer_card(
        region="Vestland",
        question="Hvem  kan\nhjelpe meg?",
        answer="Kontakt innkjøpsteamet.",
        links=["https://www.vestlandfylke.no/innkjop", "javascript:alert(1)", long_link],
    )["content"]
    assert [block["text"] for block in card["body"]] == [
        "Svar fra en veileder i Vestland",
        "Du spurte: «Hvem kan hjelpe meg?»",
        "Kontakt innkjøpsteamet.",
    ]
    assert [action["url"] for action in card["actions"]] == [
        "https://www.vestlandfylke.no/innkjop",
        long_link,
    ]
    assert all(a["type"] == "Action.OpenUrl" and len(a["title"]) <= 60 for a in card["actions"])


HOSTILE = "Les mer [her](https://evil.example/login) og {{DATE(2017-02-14T06:00:00Z, SHORT)}} [1]"


def _text_blocks(card: dict) -> list[str]:
    return [block["text"] for block in card["content"]["body"]]


def test_hostile_document_and_question_text_renders_inertly_in_cards():
    citation = Citation(chunk_id="c1", title="Ond {{TIME(x)}}", section="", source="x", snippet=HOSTILE)
    result = Answer(answer=HOSTILE, refused=False, confidence=0.9, citations=[citation])
    staff = cards.staff_answer_card(region="Vestland", question=HOSTILE, answer=HOSTILE, links=[])
    texts = _text_blocks(cards.answer_card(result, "m1")) + _text_blocks(staff)
    assert sum("Les mer [her]" in t for t in texts) == 4  # answer, quote, question, staff answer: still shown
    for text in texts:
        assert "](" not in text and "{{" not in text, text
    assert "[1]" in texts[0]  # our own citation marker is untouched

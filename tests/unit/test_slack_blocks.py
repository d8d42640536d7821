"""Slack markup in, Block Kit out: mentions and links are stripped from questions; user and corpus text is
escaped so it can never ping a channel or become a link; sources are numbered links."""

from __future__ import annotations

from assistant.channels import slack_blocks as ui
from assistant.models import Answer, Citation


def citation(**overrides) -> Citation:
    values = {
        "chunk_id": "c1",
        "title": "Handlingsplan",
        "section": "Mål",
        "source": "https://www.regjeringen.no/plan",
        "snippet": "…",
    }
    return Citation(**{**values, **overrides})


def test_question_from_slack_drops_mentions_and_markup_and_decodes_entities():
    text = (
        "<@UBOT0001> Hva sier <https://anskaffelser.no|DFØ> om &lt;krav&gt; &amp; <#C0001|innkjøp>? <!here>"
    )
    assert ui.question_from_slack(text) == "Hva sier DFØ om <krav> & #innkjøp?"
    assert ui.question_from_slack("<@UBOT0001>   ") == ""
    assert ui.question_from_slack(None) == ""
    assert ui.question_from_slack("se <https://example.org/a?b=1>") == "se https://example.org/a?b=1"


def test_escape_neutralises_control_sequences_and_broadcasts():
    escaped = ui.escape("<!channel> <@U123> <https://evil.example|klikk> A&B @here @Everyone")
    assert "<" not in escaped and ">" not in escaped
    assert "&lt;!channel&gt;" in escaped and "A&amp;B" in escaped
    assert "@here" not in escaped and "@\u200bhere" in escaped and "@\u200bEveryone" in escaped


def test_answer_blocks_escape_answer_and_titles_and_link_numbered_sources():
    result = Answer(
        answer="Bruk <!channel> & miljøkrav [1] [2]",
        refused=False,
        confidence=0.9,
        citations=[
            citation(title="Plan <b>", section=""),
            citation(chunk_id="c2", title="Lokal fil", section="Del 2", source="corpus/lokal.md"),
            citation(chunk_id="c3", title="Rar lenke", source="https://x.example/a|b>c&d"),
        ],
    )
    section, sources, actions = ui.answer_blocks(result, "m1")
    assert section["text"]["text"] == "Bruk &lt;!channel&gt; &amp; miljøkrav [1] [2]"
    links = [e["text"] for e in sources["elements"]]
    assert links[0] == "<https://www.regjeringen.no/plan|[1] Plan &lt;b&gt;>"
    assert links[1] == "[2] Lokal fil — Del 2"  # not a URL: plain text, no link
    assert links[2] == "<https://x.example/a%7Cb%3Ec&amp;d|[3] Rar lenke — Mål>"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (ui.FEEDBACK_UP, "m1"),
        (ui.FEEDBACK_DOWN, "m1"),
        (ui.ESCALATE, "m1"),
    ]
    assert [e["text"]["text"] for e in actions["elements"]] == ["👍", "👎", "Spør en veileder"]


def test_refused_answer_keeps_the_help_text_and_buttons_but_lists_no_sources():
    result = Answer(answer="Jeg finner ikke noe sikkert svar … anskaffelser.no", refused=True, confidence=0.1)
    blocks = ui.answer_blocks(result, "m2", question="Hva koster <kaffe>?")
    assert [b["type"] for b in blocks] == ["context", "section", "actions"]
    assert blocks[0]["elements"][0]["text"] == "Du spurte: _Hva koster &lt;kaffe&gt;?_"
    assert "anskaffelser.no" in blocks[1]["text"]["text"]


def test_long_answers_are_cut_below_slacks_section_limit():
    result = Answer(answer="x" * 5000, refused=False, confidence=1.0)
    text = ui.answer_blocks(result, "m3")[0]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("…")


def test_escalation_blocks_quote_user_text_and_only_mention_real_ids():
    blocks = ui.escalation_blocks(
        question="Hjelp <!channel>\nlinje to",
        answer="Svar & mer",
        refused=False,
        user_id="<!here>",
        channel_id="C0001",
        region=None,
        permalink="https://t.slack.com/archives/C0001/p1",
    )
    texts = "\n".join(
        part["text"]
        for block in blocks
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        if isinstance(part, dict) and part.get("type") == "mrkdwn"
    )
    assert "> Hjelp &lt;!channel&gt;\n> linje to" in texts
    assert "*Fra:* &lt;!here&gt;" in texts and "*Kanal:* <#C0001>" in texts and "ikke satt" in texts
    assert "<https://t.slack.com/archives/C0001/p1|Åpne tråden>" in texts

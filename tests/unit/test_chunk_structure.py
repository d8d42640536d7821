"""The chunker's structure rules on any text: lines acting as headings become the section path, labels and
menus are not text, a lead-in keeps its list (repeated when the list runs past one chunk)."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import chunk_document, keep_lists_with_lead_in, mark_headings, unwrap
from ingest.loaders import load

BODY = "Oppdragsgiver skal vekte klima og miljø med minst 30 prosent når det brukes som tildelingskriterium."


def chunks_of(tmp_path: Path, name: str, text: str, size: int = 900):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return chunk_document(load(path, f"x/{name}"), size=size, overlap=150)


def test_numbered_and_bold_lines_are_sections_not_text(tmp_path):
    text = f"8.1 Klima- og miljøhensyn som tildelingskriterier\n\n{BODY}\n\n**Unntak**\n\nRegelen gjelder ikke ved uvesentlig klimaavtrykk.\n"
    chunks = chunks_of(tmp_path, "n.md", text)
    assert [c.section for c in chunks] == [
        "8.1 Klima- og miljøhensyn som tildelingskriterier",
        "8.1 Klima- og miljøhensyn som tildelingskriterier > Unntak",
    ]
    assert all("8.1" not in c.text and "Unntak" not in c.text for c in chunks)


def test_a_short_label_before_a_paragraph_heads_it_and_table_of_contents_lines_go():
    text = "Innhold\n\nBakgrunn\n\nRegelverket\n\nBakgrunn for veilederen\n\n" + BODY
    assert mark_headings(text) == "## Bakgrunn for veilederen\n\n" + BODY


def test_a_menu_block_in_a_page_copy_is_not_text(tmp_path):
    text = f"Innkjøpssamarbeidet Vestfjord\nForside\nOm oss\nRammeavtaler\nKontakt\n\n{BODY}\n"
    [chunk] = chunks_of(tmp_path, "side.txt", text)
    assert chunk.text == BODY


def test_a_signature_after_the_closing_stays_text(tmp_path):
    text = (
        f"{BODY}\n\nMed hilsen\n\nFagteamet for bærekraftige anskaffelser\n\nInnkjøpssamarbeidet Vestfjord\n"
    )
    [chunk] = chunks_of(tmp_path, "brev.txt", text)
    assert chunk.text.endswith(
        "Med hilsen\n\nFagteamet for bærekraftige anskaffelser\n\nInnkjøpssamarbeidet Vestfjord"
    )


def test_breadcrumbs_and_setext_headings_in_markdown(tmp_path):
    text = (
        f"[Wiki](../) > [Miljø](../miljo/) > Miljøfyrtårn\n\nKan vi kreve det?\n-----------------\n\n{BODY}\n"
    )
    [chunk] = chunks_of(tmp_path, "w.md", text)
    assert chunk.section == "Kan vi kreve det?" and chunk.text == BODY


def test_lead_in_and_list_are_one_block_and_a_long_list_repeats_its_lead_in():
    body = "Kravene er:\n\n" + "\n".join(
        f"- krav nummer {n} om miljø og klima i kontrakten" for n in range(12)
    )
    assert keep_lists_with_lead_in(body, size=900).startswith("Kravene er:\n- krav nummer 0")
    blocks = keep_lists_with_lead_in(body, size=200).split("\n\n")
    assert len(blocks) > 2 and all(block.startswith("Kravene er:\n- krav") for block in blocks)
    assert all(len(block) <= 200 for block in blocks)


def test_long_list_chunks_each_start_with_the_lead_in(tmp_path):
    items = "\n".join(f"- krav nummer {n} om miljø og klima i kontrakten" for n in range(30))
    chunks = chunks_of(tmp_path, "l.md", f"# Krav\n\n{BODY}\n\nKravene er:\n\n{items}\n", size=400)
    listed = [c for c in chunks if "krav nummer" in c.text]
    assert len(listed) > 1 and all("Kravene er:\n- krav nummer" in c.text for c in listed)


def test_unwrap_keeps_menu_lines_apart_but_joins_wrapped_prose():
    assert unwrap("Forside\nOm oss\nKontakt") == "Forside\nOm oss\nKontakt"
    assert (
        unwrap("Klima og miljø skal\nvektes minst 30 prosent.")
        == "Klima og miljø skal vektes minst 30 prosent."
    )


def test_lines_a_lead_in_introduces_stay_with_it_and_are_not_headings(tmp_path):
    # a PDF table after its lead-in: header and rows are short lines without a full stop, not headings
    text = (
        "# Terskler\n\nTabell 1 gir beløpene:\n\nBeløpsgrense Beløp\n\nNasjonal terskelverdi 1 300 000 kr\n\n"
        f"EØS-terskelverdi 2 300 000 kr\n\n{BODY}\n"
    )
    [chunk] = chunks_of(tmp_path, "t.md", text)
    assert chunk.section == "" and chunk.text.startswith(
        "Tabell 1 gir beløpene:\nBeløpsgrense Beløp\nNasjonal terskelverdi 1 300 000 kr\nEØS-terskelverdi 2 300 000 kr"
    )

"""Check that every key fact in files.jsonl occurs in the text of the document(s) that answer it.

Dev-only sanity check (not a test): PDF text is taken with pypdf, with words hyphenated at line ends joined
("anskaf-\\nfelser" -> "anskaffelser"); DOCX text with python-docx (paragraphs and tables).
Usage: python tests/eval/field/check_files_keyfacts.py
"""

import json
import re
import sys
from pathlib import Path

import docx
from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
FILES = HERE / "docs" / "files"

SOURCES = {
    "ff01": ["veileder-terskelverdier-2024.pdf", "anskaffelsesstrategi-eidvik-2025-2028.docx"],
    "ff02": ["veileder-terskelverdier-2024.pdf"],
    "ff03": ["kjoretoy-offentlige-anskaffelser-status-2024.pdf"],
    "ff04": ["rundskriv-1-2024-klima-miljo-30-prosent.pdf"],
    "ff05": ["epost-radgjevar-miljofyrtarn-2024-nn.txt"],
    "ff06": ["veileder-terskelverdier-2017.pdf"],
    "ff07": ["informasjonsskriv-laerlingar-2017-nn.pdf", "veileder-terskelverdier-2017.pdf"],
    "ff08": ["anskaffelsesstrategi-eidvik-2019-2022.docx"],
    "ff09": ["sammendrag-riksrevisjonen-gronne-anskaffelser-2022.pdf"],
    "ff10": ["mal-konkurransegrunnlag-renhold-2024.pdf"],
    "ff11": ["orientering-koyretoy-nullutslepp-2022-nn.pdf"],
    "ff12": ["motereferat-innkjopsforum-2024-09-19.txt"],
    "ff13": ["wiki-livssykluskostnader-lcc.md"],
    "ff14": ["mal-konkurransegrunnlag-renhold-2024.pdf"],
    "ff15": ["orientering-koyretoy-nullutslepp-2022-nn.pdf"],
    "ff16": ["sammendrag-riksrevisjonen-gronne-anskaffelser-2022.pdf"],
    "ff17": ["epost-radgjevar-miljofyrtarn-2024-nn.txt", "wiki-miljofyrtarn-som-dokumentasjon-2020.md"],
    "ff18": ["informasjonsskriv-laerlingar-2017-nn.pdf"],
    "ff19": ["motebok-kommunestyret-eidvik-2019-06-12-nn.pdf"],
    "ff20": ["briefing-green-public-procurement-norway-2024-en.pdf", "veileder-terskelverdier-2024.pdf"],
    "ff21": [
        "briefing-green-public-procurement-norway-2024-en.pdf",
        "motereferat-innkjopsforum-2024-09-19.txt",
    ],
    "ff22": ["nettside-kopi-kan-vi-kreve-lokal-mat.txt"],
    "ff23": ["epost-radgjevar-miljofyrtarn-2024-nn.txt"],
    "ff24": ["sjekkliste-for-kunngjering-2024-nn.docx"],
    "ff25": ["rundskriv-1-2024-klima-miljo-30-prosent.pdf"],
    "ff26": ["kjoretoy-offentlige-anskaffelser-status-2024.pdf"],
    "ff27": ["nettside-kopi-kan-vi-kreve-lokal-mat.txt"],
    "ff34": ["rundskriv-1-2024-klima-miljo-30-prosent.pdf"],
    "ff35": ["veileder-terskelverdier-2024.pdf"],
    "ff36": ["informasjonsskriv-laerlingar-2017-nn.pdf"],
    "ff37": [
        "kjoretoy-offentlige-anskaffelser-status-2024.pdf",
        "orientering-koyretoy-nullutslepp-2022-nn.pdf",
    ],
    "ff38": ["sammendrag-riksrevisjonen-gronne-anskaffelser-2022.pdf"],
    "ff39": ["nettside-kopi-kan-vi-kreve-lokal-mat.txt"],
}


def text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        raw = "\n".join(p.extract_text() for p in PdfReader(path).pages)
        raw = re.sub(r"(\w)-\n(?=[a-zæøå])", r"\1", raw)
    elif path.suffix == ".docx":
        d = docx.Document(path)
        parts = [p.text for p in d.paragraphs]
        parts += [c.text for t in d.tables for r in t.rows for c in r.cells]
        raw = "\n".join(parts)
    else:
        raw = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", raw).lower()


def main() -> int:
    bad = 0
    cache: dict[str, str] = {}
    for line in (HERE / "files.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q["expect"] == "refuse":
            continue
        for name in SOURCES[q["id"]]:
            text = cache.setdefault(name, text_of(FILES / name))
            for group in q["key_facts"]:
                if not any(re.sub(r"\s+", " ", alt.lower()) in text for alt in group):
                    print(f"{q['id']}: {group} not in {name}")
                    bad += 1
    print("ok" if not bad else f"{bad} missing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

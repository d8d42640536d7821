"""Generate the DOCX part of the field evaluation corpus (dev-only tool; the tests never run it).

Usage:  python tests/eval/field/build_docx.py   (needs python-docx). Writes to tests/eval/field/docs/files/.
Eidvik kommune is a fictional municipality; the rules and figures it cites come from public sources.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.shared import Pt

OUT = Path(__file__).resolve().parent / "docs" / "files"


def _doc(title: str | None, created: dt.datetime | None, author: str | None):
    d = Document()
    d.styles["Normal"].font.name = "Calibri"
    d.styles["Normal"].font.size = Pt(11)
    cp = d.core_properties
    cp.title = title or ""
    cp.author = author or ""
    cp.last_modified_by = author or ""
    cp.created = created or dt.datetime(2000, 1, 1)
    cp.modified = created or dt.datetime(2000, 1, 1)
    cp.revision = 1
    return d


def _bullets(d, items, style="List Bullet"):
    for it in items:
        d.add_paragraph(it, style=style)


def _table(d, head, rows):
    t = d.add_table(rows=1, cols=len(head))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, head, strict=False):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = text
    d.add_paragraph()


def strategi_2019():
    d = _doc("Anskaffelsesstrategi 2019–2022", dt.datetime(2019, 5, 20, 9, 0), "Eidvik kommune, rådmannen")
    d.add_paragraph("EIDVIK KOMMUNE")
    d.add_heading("Anskaffelsesstrategi 2019–2022", level=0)
    d.add_paragraph("Vedtatt av kommunestyret 12. juni 2019, sak 34/19")
    d.add_heading("1 Formål", level=1)
    d.add_paragraph(
        "Strategien skal gi retning for alle kjøp av varer, tjenester og bygge- og anleggsarbeider i Eidvik kommune "
        "i perioden 2019–2022. Den gjelder for alle enheter og skal leses sammen med kommunens innkjøpsreglement."
    )
    d.add_heading("2 Mål for perioden", level=1)
    d.add_paragraph("Kommunen har satt seg disse målene:")
    _bullets(
        d,
        [
            "anskaffelsene skal følge regelverket og de grunnleggende prinsippene om konkurranse, likebehandling, "
            "forutberegnelighet, etterprøvbarhet og forholdsmessighet",
            "miljøhensyn skal tas inn i alle anskaffelser der det er relevant",
            "kommunen skal bruke rammeavtalene i Innkjøpssamarbeidet Vestfjord der de dekker behovet",
            "risikoen for brudd på grunnleggende menneskerettigheter og arbeidstakerrettigheter skal vurderes",
        ],
    )
    d.add_heading("3 Terskelverdier", level=1)
    d.add_paragraph("Følgende beløpsgrenser gjelder for kommunen ved vedtak av strategien (ekskl. mva.):")
    _table(
        d,
        ["Beløpsgrense", "Beløp", "Merknad"],
        [
            ["Lovens nedre grense", "100 000 kr", "Protokollplikt"],
            ["Nasjonal terskelverdi", "1,3 millioner kr", "Nasjonal kunngjøring"],
            ["EØS-terskelverdi, varer og tjenester", "2 millioner kr", "Kunngjøring i EØS"],
            ["EØS-terskelverdi, bygg og anlegg", "51 millioner kr", "Kunngjøring i EØS"],
        ],
    )
    d.add_heading("4 Miljø og samfunnsansvar", level=1)
    d.add_heading("4.1 Miljøkrav", level=2)
    d.add_paragraph(
        "Kommunen skal etter anskaffelsesloven § 5 innrette anskaffelsene slik at de reduserer skadelig "
        "miljøpåvirkning og fremmer klimavennlige løsninger der det er relevant. Forslag til krav og kriterier "
        "hentes fra kriterieveiviseren på anskaffelser.no. Der det er relevant, kreves miljøledelse (Miljøfyrtårn, "
        "ISO 14001, EMAS eller tilsvarende) som kvalifikasjonskrav."
    )
    d.add_heading("4.2 Lærlinger og seriøsitet", level=2)
    d.add_paragraph(
        "Kommunen stiller krav om lærlinger i bygge- og anleggskontrakter og renholdskontrakter når vilkårene i "
        "lærlingforskriften er oppfylt, og krav om lønns- og arbeidsvilkår i tjeneste- og bygge- og "
        "anleggskontrakter."
    )
    d.add_heading("5 Organisering og ansvar", level=1)
    d.add_paragraph(
        "Rådmannen har det overordnede ansvaret. Innkjøpsrådgiveren i økonomiavdelingen er kommunens kontaktperson "
        "mot innkjøpssamarbeidet og bistår enhetene i konkurranser over den nasjonale terskelverdien."
    )
    d.add_heading("6 Rapportering", level=1)
    d.add_paragraph("Rådmannen legger fram en årlig rapport om innkjøpsarbeidet for formannskapet.")
    d.save(OUT / "anskaffelsesstrategi-eidvik-2019-2022.docx")


def strategi_2025():
    d = _doc(None, dt.datetime(2025, 3, 3, 12, 30), None)  # no title or author set
    d.add_paragraph("EIDVIK KOMMUNE")
    d.add_heading("Anskaffelsesstrategi 2025–2028", level=0)
    d.add_paragraph("Revidert strategi, vedtatt av kommunestyret 19. mars 2025, sak 12/25")
    d.add_heading("1 Formål og virkeområde", level=1)
    d.add_paragraph(
        "Strategien gjelder alle kommunens kjøp av varer, tjenester og bygge- og anleggsarbeider i perioden "
        "2025–2028, og den skal brukes sammen med innkjøpsreglementet og kommunens klimaplan."
    )
    d.add_heading("2 Mål for perioden", level=1)
    d.add_paragraph("Eidvik kommune skal i perioden:")
    _bullets(
        d,
        [
            "vekte klima og miljø med minst 30 prosent i tildelingen, eller stille klima- og miljøkrav i "
            "kravspesifikasjonen når det klart gir bedre effekt",
            "kjøpe eller lease bare nullutslippskjøretøy når kommunen anskaffer personbiler og varebiler",
            "bruke livssykluskostnader (LCC) i vurderingen av energikrevende utstyr",
            "stille seriøsitetskrav i bygg, anlegg og renhold og kontrollere at de etterleves",
        ],
    )
    d.add_heading("3 Terskelverdier", level=1)
    d.add_paragraph("Beløpsgrensene som gjelder fra 1. januar 2024 (ekskl. mva.):")
    _table(
        d,
        ["Beløpsgrense", "Beløp", "Merknad"],
        [
            ["Lovens nedre grense", "100 000 kr", "Protokollplikt"],
            ["Nasjonal terskelverdi", "1,3 millioner kr", "Nasjonal kunngjøring"],
            ["EØS-terskelverdi, varer og tjenester", "2,3 millioner kr", "Kunngjøring i EØS"],
            ["EØS-terskelverdi, bygg og anlegg", "57,8 millioner kr", "Kunngjøring i EØS"],
        ],
    )
    d.add_heading("4 Klima, miljø og samfunnsansvar", level=1)
    d.add_heading("4.1 Klima og miljø", level=2)
    d.add_paragraph(
        "Anskaffelsesforskriften § 7-9 krever fra 1. januar 2024 at klima og miljø vektes med minimum 30 prosent, "
        "med mindre kommunen bruker krav i kravspesifikasjonen eller anskaffelsen har et uvesentlig klimaavtrykk. "
        "Valget skal begrunnes i anskaffelsesdokumentene."
    )
    d.add_heading("4.2 Miljøledelse", level=2)
    d.add_paragraph(
        "Der det er relevant, kreves miljøledelse som kvalifikasjonskrav. Miljøfyrtårn, ISO 14001, EMAS og "
        "tilsvarende ordninger godtas."
    )
    d.add_heading("4.3 Seriøsitet", level=2)
    d.add_paragraph("I bygg, anlegg og renhold skal kontraktene inneholde krav om:")
    _bullets(
        d,
        [
            "lønns- og arbeidsvilkår på nivå med allmenngjøringsforskrift eller landsomfattende tariffavtale",
            "lærlinger i utførelsen av kontrakten",
            "begrensning i antall ledd i leverandørkjeden",
            "betaling av lønn via bank",
        ],
    )
    d.add_heading("5 Organisering", level=1)
    d.add_paragraph(
        "Kommunedirektøren har det overordnede ansvaret. Innkjøpsrådgiveren bistår enhetene og holder kontakten med "
        "Innkjøpssamarbeidet Vestfjord og DFØ."
    )
    d.add_heading("6 Rapportering", level=1)
    d.add_paragraph(
        "Kommunedirektøren rapporterer årlig til kommunestyret om andelen konkurranser der klima og miljø er "
        "vektet minst 30 prosent."
    )
    d.save(OUT / "anskaffelsesstrategi-eidvik-2025-2028.docx")


def sjekkliste_nn():
    d = _doc("Sjekkliste før kunngjering", dt.datetime(2024, 9, 2, 8, 15), "Innkjøpssamarbeidet Vestfjord")
    d.add_heading("Sjekkliste før kunngjering av ein konkurranse", level=0)
    d.add_paragraph("Innkjøpssamarbeidet Vestfjord – versjon september 2024")
    d.add_heading("1 Korleis lista skal brukast", level=1)
    d.add_paragraph(
        "Lista skal gåast gjennom av innkjøparen og fagpersonen i eininga før konkurransen vert kunngjord. Punkta "
        "gjeld konkurransar over 100 000 kroner ekskl. mva."
    )
    d.add_heading("2 Punkta", level=1)
    _table(
        d,
        ["Nr.", "Kontrollpunkt", "Ansvarleg"],
        [
            ["1", "Behovet er avklart, og marknaden er undersøkt", "Eininga"],
            ["2", "Verdien er rekna for heile avtaleperioden, med opsjonar", "Innkjøpar"],
            [
                "3",
                "Klima og miljø er vekta minst 30 prosent, eller grunngjeve unntak er skrive inn",
                "Innkjøpar",
            ],
            ["4", "Livssykluskostnader (LCC) er vurderte for energikrevjande utstyr", "Fagperson"],
            ["5", "Krav om lærlingar er vurdert for kontraktar over tre månader", "Innkjøpar"],
            ["6", "Seriøsitetskrav er tekne inn for bygg, anlegg og reinhald", "Innkjøpar"],
            ["7", "Krava er kontrollerte mot kriterieveiviseren på anskaffelser.no", "Fagperson"],
        ],
    )
    d.add_heading("3 Dokumentasjon av miljøkrav", level=1)
    d.add_paragraph("Når kommunen krev dokumentasjon på miljøkrav, skal desse godtakast:")
    _bullets(
        d,
        [
            "Svanemerket eller EU Ecolabel (Blomsten) når krava byggjer på kriteria til merket",
            "andre likeverdige merke",
            "anna dokumentasjon som syner at krava er oppfylte",
        ],
    )
    d.add_heading("4 Hjelp", level=1)
    d.add_paragraph(
        "Ta kontakt med innkjøpsrådgjevarane i samarbeidet. Nasjonal rettleiing finst hjå DFØ på anskaffelser.no."
    )
    d.save(OUT / "sjekkliste-for-kunngjering-2024-nn.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    strategi_2019()
    strategi_2025()
    sjekkliste_nn()
    print("ok")

"""Generate the PDF half of the field evaluation corpus (dev-only tool; the tests never run it).

Usage:  pip install fpdf2 pypdf  &&  python tests/eval/field/build_pdfs.py
Needs the DejaVu fonts (Debian: fonts-dejavu-core). Writes the PDFs to tests/eval/field/docs/files/.
The text of every PDF is held below; the issuers (Innkjøpssamarbeidet Vestfjord, Eidvik kommune) are
fictional, the rules, figures and dates they report come from public sources.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF, FontFace
from pypdf import PdfReader, PdfWriter

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
VOWELS = set("aeiouyæøåAEIOUYÆØÅéè")


def _hyphen_split(pdf: FPDF, word: str, room: float):
    """Split word at a syllable-like point so that head + '-' fits in room; None if not possible."""
    core = word.rstrip('.,;:!?)»"')
    if len(core) < 7 or not core.isalpha() or not core[0].islower():
        return None
    for i in range(len(core) - 3, 2, -1):
        if core[i] in VOWELS or core[i + 1] not in VOWELS:
            continue
        if core[i] == "j" and core[i - 1] in "sktg":  # keep sj, kj, tj, gj together
            continue
        if core[i - 1] not in VOWELS and core[i - 2] not in VOWELS:  # split only in the middle of a cluster
            continue
        if core[i - 1 : i + 1] == "ng":
            continue
        head = word[:i]
        if not any(c in VOWELS for c in head):
            continue
        if pdf.get_string_width(head + "-") <= room:
            return head, word[i:]
    return None


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    lines: list[str] = []
    cur = ""
    for w in text.split():
        trial = f"{cur} {w}" if cur else w
        if pdf.get_string_width(trial) <= width:
            cur = trial
            continue
        prefix = f"{cur} " if cur else ""
        split = _hyphen_split(pdf, w, width - pdf.get_string_width(prefix))
        if split:
            lines.append(prefix + split[0] + "-")
            cur = split[1]
        else:
            if cur:
                lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return lines


class Doc(FPDF):
    def __init__(self, spec: dict):
        super().__init__(format="A4")
        self.spec = spec
        for style, name in (
            ("", "DejaVuSans.ttf"),
            ("B", "DejaVuSans-Bold.ttf"),
            ("I", "DejaVuSans-Oblique.ttf"),
        ):
            self.add_font("DejaVu", style, str(FONT_DIR / name))
        self.set_margins(22, 22, 22)
        self.set_auto_page_break(True, margin=22)
        self.toc_seen: list[tuple[str, int, int]] = []

    def header(self):
        if self.page_no() == 1 and self.spec.get("cover"):
            return
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90, 90, 90)
        self.set_y(10)
        self.cell(0, 5, self.spec["header"], align="L", new_x="LMARGIN", new_y="NEXT")
        self.line(22, 16, 188, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(22)

    def footer(self):
        if self.page_no() == 1 and self.spec.get("cover"):
            return
        self.set_y(-15)
        self.set_font("DejaVu", "", 8)
        style = self.spec.get("footer", "side_av")
        n = self.page_no()
        if style == "side_av":
            txt = f"Side {n} av {{nb}}"
        elif style == "page_of":
            txt = f"Page {n} of {{nb}}"
        elif style == "num":
            txt = str(n)
        else:  # text | number
            txt = f"{style}    {n}"
        self.cell(0, 5, txt, align="C" if style == "num" else "R")


def _para(pdf: Doc, text: str, size=10.5, style="", indent=0.0, lh=5.4, after=2.2):
    pdf.set_font("DejaVu", style, size)
    width = pdf.w - pdf.l_margin - pdf.r_margin - indent
    for line in wrap(pdf, text, width):
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(width, lh, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)


def _list(pdf: Doc, items, ordered=False, marker="•"):
    pdf.set_font("DejaVu", "", 10.5)
    width = pdf.w - pdf.l_margin - pdf.r_margin - 8
    for k, item in enumerate(items, 1):
        m = (f"{chr(96 + k)})" if ordered == "alpha" else f"{k}.") if ordered else marker
        lines = wrap(pdf, item, width)
        for j, line in enumerate(lines):
            pdf.set_x(pdf.l_margin + 2)
            pdf.cell(6, 5.4, m if j == 0 else "")
            pdf.cell(width, 5.4, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    pdf.ln(1.6)


def _table(pdf: Doc, head, rows, widths=None):
    pdf.set_font("DejaVu", "", 9)
    if pdf.will_page_break(30):
        pdf.add_page()
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=5,
        padding=1.5,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
    ) as t:
        r = t.row()
        for c in head:
            r.cell(c)
        for row in rows:
            r = t.row()
            for c in row:
                r.cell(c)
    pdf.set_font("DejaVu", "", 10.5)
    pdf.ln(4)


def _render(spec: dict, toc_pages: dict[str, int] | None) -> Doc:
    pdf = Doc(spec)
    pdf.alias_nb_pages()
    if spec.get("cover"):
        pdf.add_page()
        pdf.set_y(60)
        for size, style, text in spec["cover"]:
            if size == "gap":
                pdf.ln(style)
                continue
            pdf.set_font("DejaVu", style, size)
            for line in wrap(pdf, text, pdf.w - 44):
                pdf.cell(0, size * 0.55, line, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    if spec.get("toc"):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(0, 8, spec.get("toc_title", "Innhold"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        for kind, title in [(b[0], b[1]) for b in spec["body"] if b[0] in ("h1", "h2")]:
            pdf.set_font("DejaVu", "B" if kind == "h1" else "", 10.5)
            indent = 0 if kind == "h1" else 6
            page = str((toc_pages or {}).get(title, 0))
            usable = pdf.w - pdf.l_margin - pdf.r_margin - indent
            tw = pdf.get_string_width(title + " ")
            pw = pdf.get_string_width(" " + page)
            dots = "." * max(3, int((usable - tw - pw) / pdf.get_string_width(".")))
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(usable, 6.5, f"{title} {dots} {page}", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    for block in spec["body"]:
        kind = block[0]
        if kind == "h1":
            if pdf.will_page_break(25):
                pdf.add_page()
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 13)
            pdf.toc_seen.append((block[1], pdf.page_no(), 1))
            pdf.multi_cell(0, 7, block[1], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif kind == "h2":
            if pdf.will_page_break(20):
                pdf.add_page()
            pdf.ln(1)
            pdf.set_font("DejaVu", "B", 11)
            pdf.toc_seen.append((block[1], pdf.page_no(), 2))
            pdf.multi_cell(0, 6, block[1], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "title":
            pdf.set_font("DejaVu", "B", 16)
            pdf.multi_cell(0, 8, block[1], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind == "p":
            _para(pdf, block[1])
        elif kind == "small":
            _para(pdf, block[1], size=9, lh=4.6)
        elif kind == "i":
            _para(pdf, block[1], style="I")
        elif kind == "b":
            _para(pdf, block[1], style="B")
        elif kind == "right":
            pdf.set_font("DejaVu", "", 10.5)
            for line in block[1]:
                pdf.cell(0, 5.4, line, align="R", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind == "lines":
            pdf.set_font("DejaVu", "", 10.5)
            for line in block[1]:
                pdf.cell(0, 5.4, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind in ("ul", "ol", "al"):
            _para(pdf, block[1], after=1)
            _list(pdf, block[2], ordered={"ul": False, "ol": True, "al": "alpha"}[kind])
        elif kind == "table":
            if block[1]:
                _para(pdf, block[1], after=1.5)
            _table(pdf, block[2], block[3], block[4] if len(block) > 4 else None)
        elif kind == "pb":
            pdf.add_page()
        else:
            raise ValueError(kind)
    return pdf


def build(spec: dict, out_dir: Path) -> Path:
    first = _render(spec, None)
    pages = {t: p for t, p, _ in first.toc_seen}
    pdf = _render(spec, pages)
    meta = spec.get("meta")
    if meta:
        pdf.set_title(meta["title"])
        if meta.get("author"):
            pdf.set_author(meta["author"])
        if meta.get("subject"):
            pdf.set_subject(meta["subject"])
        pdf.set_creator("Tekstbehandler")
        pdf.set_creation_date(datetime.fromisoformat(meta["created"]).replace(tzinfo=UTC))
        data = bytes(pdf.output())
    else:
        pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))
        raw = bytes(pdf.output())
        # strip the document information dictionary: no /Title, no /CreationDate
        reader = PdfReader(io.BytesIO(raw))
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer._info = None
        buf = io.BytesIO()
        writer.write(buf)
        data = buf.getvalue()
    path = out_dir / spec["file"]
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- documents

NETT = "Innkjøpssamarbeidet Vestfjord"

TERSKEL_2017 = {
    "file": "veileder-terskelverdier-2017.pdf",
    "header": f"Veileder – terskelverdier og kunngjøring | {NETT}",
    "footer": "side_av",
    "meta": {
        "title": "Veileder: Terskelverdier og kunngjøring av offentlige anskaffelser (2017)",
        "author": NETT,
        "created": "2017-01-16T09:12:00",
    },
    "cover": [
        (12, "", NETT),
        ("gap", 20, ""),
        (22, "B", "Terskelverdier og kunngjøring"),
        (13, "", "Veileder for innkjøpere i medlemskommunene"),
        ("gap", 30, ""),
        (11, "", "Versjon 1.0 – gjeldende beløp fra 1. januar 2017"),
        (11, "", "Utgitt 16. januar 2017"),
    ],
    "toc": True,
    "body": [
        ("h1", "1 Innledning"),
        (
            "p",
            "Den nye loven om offentlige anskaffelser (lov 17. juni 2016 nr. 73) og den nye anskaffelsesforskriften "
            "(FOR-2016-08-12-974) gjelder fra 1. januar 2017. Hvilke prosedyreregler en innkjøper må følge, "
            "bestemmes i stor grad av hva anskaffelsen er verdt. Beløpsgrensene kalles terskelverdier, og denne "
            "veilederen samler dem på ett sted, slik at medlemskommunene lett kan slå opp hvilken del av forskriften "
            "som gjelder for den konkrete anskaffelsen.",
        ),
        (
            "p",
            "Alle beløp i veilederen er oppgitt uten merverdiavgift. Det er anslått totalverdi som teller, ikke "
            "prisen på det første kjøpet, og innkjøperen må derfor tenke gjennom hele kontraktsperioden før "
            "konkurransen planlegges.",
        ),
        ("h1", "2 Slik anslår du verdien"),
        ("p", "Verdien skal anslås på det tidspunktet anskaffelsen planlegges."),
        (
            "ul",
            "Følgende inngår i beregningen:",
            [
                "samlet betaling for hele kontraktens løpetid, også eventuelle forlengelser (opsjoner)",
                "alle delkontrakter som hører til samme anskaffelse",
                "for rammeavtaler: den største verdien av alle kontraktene som ventes inngått mens avtalen løper",
            ],
        ),
        (
            "p",
            "Det er ikke lov å dele opp en anskaffelse for å komme under en terskelverdi. Er innkjøperen i tvil, "
            "bør verdien heller anslås for høyt enn for lavt.",
        ),
        ("h1", "3 Terskelverdiene fra 1. januar 2017"),
        ("h2", "3.1 Oversikt over beløpsgrensene"),
        (
            "table",
            "Tabell 1 viser beløpsgrensene som gjelder fra 1. januar 2017:",
            ["Beløpsgrense", "Beløp ekskl. mva.", "Hva utløses"],
            [
                ["Lovens nedre grense", "100 000 kr", "Loven og protokollplikten gjelder"],
                ["Nasjonal terskelverdi", "1 100 000 kr", "Kunngjøring i Doffin (forskriften del II)"],
                [
                    "EØS-terskelverdi, statlige myndigheter (varer og tjenester)",
                    "1 100 000 kr",
                    "Kunngjøring i hele EØS (del III)",
                ],
                [
                    "EØS-terskelverdi, andre oppdragsgivere (varer og tjenester)",
                    "1 750 000 kr",
                    "Kunngjøring i hele EØS (del III)",
                ],
                [
                    "EØS-terskelverdi, bygge- og anleggskontrakter",
                    "44 000 000 kr",
                    "Kunngjøring i hele EØS (del III)",
                ],
                [
                    "Helse- og sosialtjenester og særlige tjenester",
                    "6 300 000 kr",
                    "Egne regler over denne grensen",
                ],
            ],
            [62, 38, 66],
        ),
        (
            "p",
            "For kommunene i samarbeidet er det altså 1,75 millioner kroner som gjelder for vare- og "
            "tjenestekjøp over EØS-grensen, mens statlige etater har en lavere grense. For sentrale statlige "
            "etater og for forsyningssektoren gjelder egne beløp som ikke er gjengitt her.",
        ),
        ("h2", "3.2 Hva grensene betyr i praksis"),
        (
            "ul",
            "Kort fortalt gjelder dette for en kommune:",
            [
                "under 100 000 kroner: loven gjelder ikke, men kommunens eget innkjøpsreglement skal følges",
                "fra 100 000 kroner og opp til 1,1 millioner kroner: de grunnleggende prinsippene og forskriftens del I, "
                "og anskaffelsen skal protokollføres",
                "fra 1,1 millioner kroner: nasjonal kunngjøring etter del II",
                "fra 1,75 millioner kroner (varer og tjenester) eller 44 millioner kroner (bygg og anlegg): "
                "kunngjøring i hele EØS-området etter del III",
            ],
        ),
        ("h1", "4 Hvorfor beløpene endres"),
        (
            "p",
            "Etter EØS-avtalen og WTO-avtalen om offentlige anskaffelser skal partene justere terskelverdiene "
            "annethvert år. Justeringen skal fange opp svingninger i valutakursene. De norske beløpene rundes ned "
            "til nærmeste 50 000 kroner, og for bygge- og anleggsarbeider til nærmeste 500 000 kroner. Den "
            "nasjonale terskelverdien fastsettes av departementet og følger ikke den samme syklusen.",
        ),
        ("h1", "5 Lærlinger"),
        (
            "p",
            "Fra 1. januar 2017 gjelder også en egen forskrift om krav om bruk av lærlinger. Plikten gjelder "
            "kontrakter som varer lenger enn tre måneder og har en anslått verdi på minst 1,1 millioner kroner for "
            "statlige oppdragsgivere og minst 1,75 millioner kroner for kommuner og fylkeskommuner. Se eget "
            "informasjonsskriv fra samarbeidet om hvilke bransjer som omfattes.",
        ),
        ("h1", "6 Kontakt og videre lesing"),
        (
            "ul",
            "Spørsmål om veilederen kan rettes til:",
            [
                "innkjøpsrådgiverne i samarbeidet (telefon og e-post står på intranettet)",
                "Difi sin nettside anskaffelser.no, som har oppdaterte veiledere og maler",
                "lovdata.no, der lov og forskrift ligger i gjeldende versjon",
            ],
        ),
    ],
}

TERSKEL_2024 = {
    "file": "veileder-terskelverdier-2024.pdf",
    "header": f"Veileder – terskelverdier og kunngjøring | {NETT}",
    "footer": "side_av",
    "meta": None,
    "cover": [
        (12, "", NETT),
        ("gap", 20, ""),
        (22, "B", "Terskelverdier og kunngjøring"),
        (13, "", "Veileder for innkjøpere i medlemskommunene"),
        ("gap", 30, ""),
        (11, "", "Versjon 3.0 – beløp fra 1. januar 2024"),
        (11, "", "Bergen, 12. februar 2024"),
    ],
    "toc": False,
    "body": [
        ("h1", "1 Om veilederen"),
        (
            "p",
            "Veilederen gir en kortfattet oversikt over beløpsgrensene i anskaffelsesregelverket, slik de gjelder "
            "fra 1. januar 2024. Beløpsgrensene styrer hvilke regler som gjelder for en anskaffelse, og om "
            "konkurransen må kunngjøres nasjonalt eller i hele EØS-området. Alle beløp er uten merverdiavgift.",
        ),
        (
            "p",
            "Reglene står i lov 17. juni 2016 nr. 73 om offentlige anskaffelser og i anskaffelsesforskriften. "
            "Medlemmene skal alltid kontrollere beløpene mot lovdata.no før en konkurranse kunngjøres.",
        ),
        ("h1", "2 Anslått verdi"),
        (
            "p",
            "Verdien regnes for hele avtaleperioden, inkludert opsjoner og forlengelser. For en rammeavtale "
            "legges den høyeste samlede verdien av kontraktene som kan bli inngått i avtaleperioden, til grunn. "
            "Oppdeling for å havne under en grense er ikke tillatt.",
        ),
        ("h1", "3 Beløpsgrensene"),
        ("h2", "3.1 Tabell over terskelverdiene"),
        (
            "table",
            "Tabell 1 gir beløpene som gjelder fra 1. januar 2024:",
            ["Beløpsgrense", "Beløp ekskl. mva.", "Konsekvens"],
            [
                ["Lovens nedre grense", "100 000 kr", "Loven gjelder; protokollplikt"],
                ["Nasjonal terskelverdi", "1 300 000 kr", "Nasjonal kunngjøring (del II)"],
                [
                    "EØS-terskelverdi, sentrale statlige myndigheter (varer og tjenester)",
                    "1 490 000 kr",
                    "EØS-kunngjøring (del III)",
                ],
                [
                    "EØS-terskelverdi, andre oppdragsgivere (varer og tjenester)",
                    "2 300 000 kr",
                    "EØS-kunngjøring (del III)",
                ],
                [
                    "EØS-terskelverdi, bygge- og anleggskontrakter",
                    "57 800 000 kr",
                    "EØS-kunngjøring (del III)",
                ],
            ],
            [70, 36, 60],
        ),
        (
            "p",
            "For våre medlemskommuner betyr dette at vare- og tjenestekjøp fra 2,3 millioner kroner må "
            "kunngjøres i hele EØS-området, og at grensen for bygge- og anleggskontrakter er 57,8 millioner kroner. "
            "Under den nasjonale terskelverdien på 1,3 millioner kroner gjelder forskriftens del I og de "
            "grunnleggende prinsippene.",
        ),
        ("h2", "3.2 Justering annethvert år"),
        (
            "p",
            "EØS-terskelverdiene fastsettes på nytt hvert andre år for å ta hensyn til endringer i "
            "valutakursene. Beløpene i tabell 1 gjelder fra 1. januar 2024. Sjekk alltid hvilken dato beløpene "
            "gjelder fra når du bruker en oversikt.",
        ),
        ("h1", "4 Andre krav som henger sammen med verdien"),
        (
            "ul",
            "Innkjøpere bør samtidig huske på disse kravene:",
            [
                "klima og miljø skal vektes med minst 30 prosent når det brukes som tildelingskriterium, eller ivaretas "
                "gjennom krav i kravspesifikasjonen (se eget rundskriv)",
                "krav om lærlinger i kontrakter over tre måneder i bransjer med særlig behov for læreplasser",
                "lønns- og arbeidsvilkår i tjeneste- og bygge- og anleggskontrakter",
                "nye personbiler skal være nullutslippskjøretøy",
            ],
        ),
        ("h1", "5 Hvor finner jeg mer?"),
        (
            "p",
            "DFØ (Direktoratet for forvaltning og økonomistyring) har ansvaret for den nasjonale veiledningen og "
            "driver nettstedet anskaffelser.no. Innkjøpsrådgiverne i samarbeidet kan også hjelpe med "
            "verdiberegning og valg av prosedyre.",
        ),
    ],
}

VEKT_2023 = {
    "file": "fagnotat-klima-miljo-tildeling-2023.pdf",
    "header": f"Fagnotat 2/2023 – klima og miljø i tildelingskriteriene | {NETT}",
    "footer": "num",
    "meta": {
        "title": "Fagnotat 2/2023 Klima og miljø i tildelingskriteriene",
        "author": NETT,
        "created": "2023-03-20T13:40:00",
    },
    "cover": None,
    "toc": False,
    "body": [
        ("title", "Fagnotat 2/2023: Klima og miljø i tildelingskriteriene"),
        (
            "lines",
            [
                "Bergen, 20. mars 2023",
                "Til: innkjøpskontaktene i medlemskommunene",
                "Fra: fagteamet for bærekraftige anskaffelser",
            ],
        ),
        ("h1", "1 Bakgrunn"),
        (
            "p",
            "Flere medlemmer har spurt hvor mye klima og miljø skal telle når vi evaluerer tilbud. Dette notatet "
            "oppsummerer regelverket slik det står i dag, og gir noen råd om hvordan vi bør gjøre det i "
            "samarbeidets egne konkurranser.",
        ),
        (
            "p",
            "Anskaffelsesloven § 5 pålegger offentlige oppdragsgivere å innrette anskaffelsespraksisen slik at den "
            "reduserer skadelig miljøpåvirkning og fremmer klimavennlige løsninger der det er relevant. I "
            "forskriften er dette fulgt opp i § 7-9 om minimering av miljøbelastning, som trådte i kraft "
            "1. mai 2017.",
        ),
        ("h1", "2 Hva gjelder for vektingen i dag"),
        (
            "p",
            "Regelverket angir at klima og miljø bør vektes med minst 30 prosent der det brukes som "
            "tildelingskriterium. Dette er en anbefaling og ikke et absolutt krav: oppdragsgiveren kan velge en "
            "lavere vekt eller ivareta miljøhensynet på andre måter, for eksempel gjennom krav i "
            "kravspesifikasjonen.",
        ),
        (
            "ul",
            "Fagteamet anbefaler likevel at medlemmene:",
            [
                "bruker minst 30 prosent vekt på klima og miljø i konkurranser der miljø er et tildelingskriterium",
                "velger kriterier som faktisk skiller tilbudene, og som kan dokumenteres og etterprøves",
                "henter forslag til krav og kriterier fra kriterieveiviseren på anskaffelser.no",
                "skriver kort i anskaffelsesdokumentene hvorfor en lavere vekt eventuelt er valgt",
            ],
        ),
        ("h1", "3 Dokumentasjon og miljømerker"),
        (
            "p",
            "Oppdragsgiveren kan vise til kriteriene bak et miljømerke, for eksempel Svanemerket eller EU Ecolabel "
            "(Blomsten), og godta merket som dokumentasjon. Andre likeverdige merker og annen dokumentasjon som "
            "viser at kriteriene er oppfylt, må også godtas.",
        ),
        ("h1", "4 Beløpsgrenser i kraft"),
        (
            "table",
            "Til orientering gjelder disse EØS-terskelverdiene fra 23. mars 2022:",
            ["Kontraktstype", "EØS-terskelverdi ekskl. mva."],
            [
                ["Statlige myndigheters vare- og tjenestekontrakter", "1,4 millioner kroner"],
                ["Andre oppdragsgiveres vare- og tjenestekontrakter", "2,2 millioner kroner"],
                ["Bygge- og anleggskontrakter", "56 millioner kroner"],
            ],
            [110, 56],
        ),
        ("p", "Den nasjonale terskelverdien er 1,3 millioner kroner."),
        ("h1", "5 Videre arbeid"),
        (
            "p",
            "Fagteamet vil oppdatere samarbeidets maler for konkurransegrunnlag i løpet av året og tar gjerne "
            "imot eksempler fra medlemmene på tildelingskriterier som har fungert godt.",
        ),
    ],
}

VEKT_2024 = {
    "file": "rundskriv-1-2024-klima-miljo-30-prosent.pdf",
    "header": f"Rundskriv 1/2024 | {NETT}",
    "footer": "side_av",
    "meta": None,
    "cover": None,
    "toc": False,
    "body": [
        ("lines", [NETT, "Rundskriv 1/2024", "Bergen, 8. januar 2024"]),
        ("title", "Nye regler om klima og miljø i anskaffelsene fra 1. januar 2024"),
        ("p", "Mottakere: rådmenn og innkjøpsansvarlige i medlemskommunene"),
        ("h1", "1 Hva er nytt"),
        (
            "p",
            "Fra 1. januar 2024 er anskaffelsesforskriften § 7-9 endret. Formålet er å redusere det samlede "
            "klimaavtrykket og den samlede miljøbelastningen fra anskaffelsene. Tilsvarende regler er tatt inn i "
            "forsyningsforskriften § 7-9 og i konsesjonskontraktforskriften § 7-6. Reglene gjelder alle "
            "anskaffelser med anslått verdi fra 100 000 kroner ekskl. mva.",
        ),
        ("h1", "2 Hovedregelen: minst 30 prosent"),
        (
            "p",
            "Når tilbudene evalueres, skal klima- og miljøhensyn vektes med minimum 30 prosent av "
            "tildelingskriteriene. Der oppdragsgiveren prioriterer kriteriene i stedet for å vekte dem, skal klima "
            "og miljø være blant de tre høyest prioriterte kriteriene.",
        ),
        ("h1", "3 Alternativ og unntak"),
        (
            "ul",
            "Oppdragsgiveren kan fravike hovedregelen i to tilfeller:",
            [
                "klima- og miljøkrav kan stilles i kravspesifikasjonen i stedet for å vekte klima og miljø, dersom det "
                "er klart at dette gir en bedre klima- og miljøeffekt",
                "reglene gjelder ikke når anskaffelsen etter sin art har et klimaavtrykk og en miljøbelastning som er "
                "uvesentlig",
            ],
        ),
        (
            "p",
            "I begge tilfeller skal valget begrunnes i anskaffelsesdokumentene («følg eller forklar»). Det "
            "stilles ikke krav om hvor mye bedre miljøeffekten av krav i kravspesifikasjonen må være, men "
            "oppdragsgiveren må ha kartlagt hvilke klimaavtrykk og miljøbelastninger anskaffelsen har, og hvilke "
            "tiltak som virker på dem.",
        ),
        ("h1", "4 Oversikt"),
        (
            "table",
            "Tabellen viser hvordan regelen slår ut:",
            ["Situasjon", "Hva gjelder", "Begrunnelse i dokumentene?"],
            [
                ["Vanlig konkurranse med vekting", "Klima og miljø vektes minst 30 %", "Nei"],
                [
                    "Konkurranse med prioriterte kriterier",
                    "Klima og miljø blant de tre høyest prioriterte",
                    "Nei",
                ],
                ["Krav i kravspesifikasjonen gir klart bedre effekt", "Krav kan erstatte vekting", "Ja"],
                ["Uvesentlig klimaavtrykk og miljøbelastning", "Regelen gjelder ikke", "Ja"],
            ],
            [62, 62, 42],
        ),
        ("h1", "5 Hva medlemmene må gjøre"),
        (
            "ol",
            "Før neste konkurranse bør hver kommune:",
            [
                "oppdatere malene for konkurransegrunnlag slik at klima og miljø har minst 30 prosent vekt",
                "legge inn et fast avsnitt for begrunnelse når alternativet eller unntaket brukes",
                "bruke veiledningen og eksemplene fra DFØ på anskaffelser.no",
                "melde fra til samarbeidet om spørsmål som bør tas opp i innkjøpsforum",
            ],
        ),
        ("right", ["Med hilsen", "Fagteamet for bærekraftige anskaffelser", NETT]),
    ],
}

KOYRETOY_2022 = {
    "file": "orientering-koyretoy-nullutslepp-2022-nn.pdf",
    "header": f"Orientering om køyretøy i offentlege anskaffingar | {NETT}",
    "footer": "side_av",
    "meta": {
        "title": "Orientering: krav til køyretøy i offentlege anskaffingar",
        "author": NETT,
        "created": "2022-01-11T10:05:00",
    },
    "cover": None,
    "toc": False,
    "body": [
        ("lines", [NETT, "Bergen, 11. januar 2022"]),
        ("title", "Nye krav når kommunen kjøper eller leasar køyretøy"),
        ("h1", "1 Kva er nytt"),
        (
            "p",
            "Frå 1. januar 2022 gjeld ei ny forskrift om energi- og miljøkrav ved anskaffing av køyretøy til "
            "vegtransport. Forskrifta stiller krav om nullutslepp når offentlege oppdragsgjevarar kjøper "
            "personbilar, og ho skjerpar krava til varebilar i fleire steg. Bakgrunnen er at transportsektoren står "
            "for om lag ein tredjedel av klimagassutsleppa i Noreg. Regjeringa reknar med at krava kan kutte rundt "
            "ein halv million tonn CO2-ekvivalentar i perioden 2022–2030.",
        ),
        ("h1", "2 Krava køyretøyklasse for køyretøyklasse"),
        (
            "table",
            "Tabellen syner minimumskrava slik dei gjeld i 2022:",
            ["Køyretøyklasse", "Krav frå 1. januar 2022", "Vidare"],
            [
                ["Personbil (M1)", "Nullutslepp", "–"],
                [
                    "Lett varebil (N1 inntil 1706 kg)",
                    "Maks 125 g CO2/km og Euro 6",
                    "Nullutslepp frå 1. januar 2023",
                ],
                ["Tung varebil (N1 inntil 3500 kg)", "Maks 210 g CO2/km og Euro 6", "–"],
            ],
            [52, 60, 54],
        ),
        ("p", "Forskrifta har også eigne krav til bybussar. Sjå forskrifta på lovdata.no for detaljane."),
        ("h1", "3 Unntak"),
        (
            "ul",
            "Kravet om nullutslepp kan fråvikast mellom anna i desse tilfella:",
            [
                "når det primære transportbehovet ikkje kan dekkjast med nullutsleppskøyretøy, til dømes på grunn av "
                "klimatiske tilhøve",
                "når det ikkje finst tilstrekkeleg ladeinfrastruktur",
                "når bybussar køyrer på biogass",
            ],
        ),
        (
            "p",
            "Utrykkingskøyretøy, som køyretøya til politiet, brannvesenet og tolletaten, fell utanfor forskrifta. "
            "Det same gjeld spesialtilpassa bilar som NAV skaffar til personar med nedsett funksjonsevne.",
        ),
        ("h1", "4 Råd til innkjøparane"),
        (
            "ol",
            "Vi rår medlemene til å gjere dette før neste bilkjøp:",
            [
                "kartlegg kva transportbehov tenesta faktisk har, og kvar det finst lademoglegheiter",
                "bruk kriterieveiviseren på anskaffelser.no for ferdige kravtekstar",
                "dokumenter grunngjevinga dersom eit unntak vert nytta",
            ],
        ),
        ("p", "Spørsmål kan rettast til innkjøpsrådgjevarane i samarbeidet."),
    ],
}

KJORETOY_2024 = {
    "file": "kjoretoy-offentlige-anskaffelser-status-2024.pdf",
    "header": f"Kjøretøy i offentlige anskaffelser – status 2024 | {NETT}",
    "footer": "side_av",
    "meta": None,
    "cover": None,
    "toc": False,
    "body": [
        ("lines", [NETT, "Bergen, 5. februar 2024"]),
        ("title", "Kjøretøy i offentlige anskaffelser – hva gjelder nå"),
        ("h1", "1 Kort oppsummert"),
        (
            "p",
            "Forskriften om energi- og miljøkrav ved anskaffelse av kjøretøy til veitransport krever nå "
            "nullutslipp for personbiler, lette varebiler og tunge varebiler når offentlige oppdragsgivere kjøper "
            "nye kjøretøy. Tunge varebiler er varebiler mellom 1785 kg og 3,5 tonn.",
        ),
        (
            "table",
            "Oversikten viser kravene per kjøretøygruppe:",
            ["Kjøretøygruppe", "Krav", "Gjelder fra"],
            [
                ["Personbiler (M1)", "Nullutslipp", "1. januar 2022"],
                ["Lette varebiler", "Nullutslipp", "1. januar 2023"],
                ["Tunge varebiler (1785 kg – 3,5 tonn)", "Nullutslipp", "Nytt krav i forskriften"],
            ],
            [70, 40, 56],
        ),
        ("h1", "2 Endringer i forskriften"),
        (
            "ul",
            "Da kravet for tunge varebiler kom inn, ble forskriften også forenklet:",
            [
                "bestemmelsen om terskelverdier ble tatt ut",
                "muligheten til å søke dispensasjon ble erstattet av en enkel rapportering",
                "unntakene ble presisert",
            ],
        ),
        (
            "p",
            "Tunge varebiler utgjorde 64 prosent av varebilene i nybilsalget i 2021. Regjeringen anslår at kravet "
            "for tunge varebiler gir et utslippskutt på om lag 43 000 tonn CO2 i perioden 2023–2030.",
        ),
        ("h1", "3 Når kan kravet fravikes"),
        (
            "p",
            "Kravet om nullutslipp gjelder ikke når det primære behovet i anskaffelsen ikke kan dekkes med et "
            "nullutslippskjøretøy, eller når det ikke finnes god nok ladeinfrastruktur. Utrykningskjøretøy for "
            "politi, brannvesen og Tolletaten er unntatt fra forskriften.",
        ),
        ("h1", "4 Kontakt"),
        (
            "p",
            "Innkjøpsrådgiverne i samarbeidet hjelper gjerne med kravspesifikasjoner for kjøretøy og leasing.",
        ),
    ],
}

RIKSREVISJONEN = {
    "file": "sammendrag-riksrevisjonen-gronne-anskaffelser-2022.pdf",
    "header": "Sammendrag – Riksrevisjonens undersøkelse av grønne offentlige anskaffelser",
    "footer": "side_av",
    "meta": {
        "title": "Sammendrag av Riksrevisjonens Dokument 3:5 (2021–2022)",
        "author": NETT,
        "subject": "Grønne offentlige anskaffelser",
        "created": "2022-02-14T08:30:00",
    },
    "cover": [
        (12, "", NETT),
        ("gap", 16, ""),
        (20, "B", "Grønne offentlige anskaffelser"),
        (13, "", "Sammendrag av Riksrevisjonens undersøkelse, Dokument 3:5 (2021–2022)"),
        ("gap", 30, ""),
        (11, "", "Utarbeidet for innkjøpsforum"),
        (11, "", "Februar 2022"),
    ],
    "toc": True,
    "body": [
        ("h1", "1 Om undersøkelsen"),
        (
            "p",
            "Riksrevisjonen har undersøkt om offentlige oppdragsgivere innretter anskaffelsespraksisen sin slik "
            "at den bidrar til å redusere skadelig miljøpåvirkning og fremme klimavennlige løsninger, slik "
            "Stortinget har forutsatt. Undersøkelsen dekker i hovedsak perioden etter at den nye "
            "anskaffelsesloven trådte i kraft i 2017. Dette sammendraget er laget for medlemmene i samarbeidet og "
            "erstatter ikke rapporten.",
        ),
        ("h2", "1.1 Fem områder"),
        (
            "ul",
            "Analysen bygger på anskaffelsesdokumenter kunngjort i 2018 og 2019 innenfor fem områder:",
            [
                "mat- og drikkeprodukter",
                "måltidstjenester",
                "motorkjøretøy",
                "veitransporttjenester",
                "avfallstjenester",
            ],
        ),
        ("h1", "2 Tall fra rapporten"),
        (
            "table",
            "De viktigste tallene i rapporten er:",
            ["Forhold", "Tall"],
            [
                ["Offentlige innkjøp per år", "Omkring 600 milliarder kroner"],
                ["Innkjøp i 2018 (varer, tjenester, bygg og anlegg)", "564 milliarder kroner"],
                ["Klimafotavtrykk fra offentlige anskaffelser per år", "Ca. 11 millioner tonn CO2"],
                ["Andel av Norges totale klimafotavtrykk (2017)", "16 prosent"],
            ],
            [96, 70],
        ),
        ("h1", "3 Riksrevisjonens vurdering"),
        (
            "p",
            "Riksrevisjonen vurderer det som kritikkverdig at myndighetene gjennom den samlede virkemiddelbruken "
            "ikke har sikret at anskaffelsespraksisen i stor nok grad bidrar til å minimere miljøbelastningen og "
            "fremme klimavennlige løsninger. Det er også kritikkverdig at det ikke er utviklet datagrunnlag og "
            "statistikk om grønne anskaffelser, selv om behovet har vært kjent i mange år.",
        ),
        ("h2", "3.1 Funn"),
        (
            "ul",
            "Blant funnene som er mest relevante for kommunene:",
            [
                "ambisjonsnivået er ofte lavt, selv om det stilles klima- og miljøkrav i mange anskaffelser",
                "innenfor mat, drikke og måltidstjenester stilles det flest krav, for eksempel om matsvinn, emballasje, "
                "tropisk avskoging og økologisk produksjon",
                "for motorkjøretøy og veitransport stilles det færrest krav; for kjøretøy bare i rundt halvparten av "
                "anskaffelsene",
                "innkjøperne peker selv på mangel på klima- og miljøkompetanse som et hovedproblem",
            ],
        ),
        ("h1", "4 Anbefalinger"),
        (
            "p",
            "Riksrevisjonen anbefaler blant annet at Nærings- og fiskeridepartementet sørger for at DFØ sikrer en "
            "bred forankring av det grønne kompetanseløftet for innkjøperne, og at det utvikles et bedre "
            "datagrunnlag for å følge med på grønne anskaffelser.",
        ),
        ("h1", "5 Hva betyr dette for oss"),
        (
            "p",
            "Fagteamet foreslår at innkjøpsforum drøfter hvordan medlemmene kan heve ambisjonsnivået i "
            "kjøretøy- og transportanskaffelser, som kom dårligst ut i undersøkelsen.",
        ),
    ],
}

RENHOLD_MAL = {
    "file": "mal-konkurransegrunnlag-renhold-2024.pdf",
    "header": "Konkurransegrunnlag – renholdstjenester | Mal 2024",
    "footer": "num",
    "meta": {
        "title": "Mal konkurransegrunnlag renholdstjenester",
        "author": NETT,
        "created": "2024-04-22T14:00:00",
    },
    "cover": [
        (12, "", "[Oppdragsgivers navn]"),
        ("gap", 16, ""),
        (22, "B", "Konkurransegrunnlag"),
        (14, "", "Rammeavtale om renholdstjenester"),
        ("gap", 20, ""),
        (11, "", "Saksnummer: [xx/xxxx]"),
        (11, "", "Tilbudsfrist: [dato og klokkeslett]"),
        (10, "I", f"Mal utarbeidet av {NETT}, versjon april 2024"),
    ],
    "toc": True,
    "body": [
        ("h1", "1 Om anskaffelsen"),
        (
            "p",
            "[Oppdragsgiver] inviterer til åpen anbudskonkurranse om en rammeavtale for renhold av kommunens "
            "bygg. Anskaffelsens anslåtte verdi er over EØS-terskelverdien for andre oppdragsgivere på "
            "2,3 millioner kroner ekskl. mva., og konkurransen følger derfor anskaffelsesforskriften del III.",
        ),
        ("h2", "1.1 Veiledning til malen"),
        ("i", "Tekst i hakeparentes skal erstattes. Slett veiledningsavsnitt i kursiv før kunngjøring."),
        ("h1", "2 Kvalifikasjonskrav"),
        (
            "ul",
            "Leverandøren må oppfylle følgende kvalifikasjonskrav:",
            [
                "være registrert i Foretaksregisteret eller tilsvarende register i etableringslandet",
                "være godkjent av Arbeidstilsynet som renholdsvirksomhet",
                "ha et miljøledelsessystem, for eksempel ISO 14001, EMAS, Miljøfyrtårn eller tilsvarende",
            ],
        ),
        (
            "p",
            "Dokumentasjon: sertifikat eller en beskrivelse av tilsvarende miljøtiltak som viser at kravet er "
            "oppfylt. Likeverdig dokumentasjon godtas.",
        ),
        ("h1", "3 Tildelingskriterier"),
        (
            "table",
            "Kontrakten tildeles tilbudet med best forhold mellom pris og kvalitet etter disse kriteriene:",
            ["Kriterium", "Vekt", "Dokumentasjon"],
            [
                ["Pris", "70 %", "Utfylt prisskjema (vedlegg 2)"],
                [
                    "Klima og miljø",
                    "30 %",
                    "Beskrivelse av renholdsmidler, doseringsrutiner og transport (vedlegg 3)",
                ],
            ],
            [44, 22, 100],
        ),
        (
            "i",
            "Veiledning: Klima og miljø skal vektes minst 30 prosent. Velges krav i kravspesifikasjonen i stedet, "
            "skal dette begrunnes i anskaffelsesdokumentene.",
        ),
        ("h1", "4 Kontraktsvilkår om seriøsitet"),
        (
            "ul",
            "Kontrakten vil inneholde disse seriøsitetskravene:",
            [
                "lønns- og arbeidsvilkår som ikke er dårligere enn det som følger av allmenngjøringsforskrift eller "
                "landsomfattende tariffavtale for bransjen",
                "obligatorisk tjenestepensjon for de ansatte",
                "informasjonsplikt overfor de ansatte og krav til språkferdigheter",
                "betaling av lønn og annen godtgjørelse via bank",
                "begrensning i antall ledd i leverandørkjeden",
                "bruk av lærlinger i utførelsen av kontrakten",
            ],
        ),
        (
            "p",
            "Oppdragsgiver har plikt til å kontrollere at kravene blir fulgt, og vil be om dokumentasjon i "
            "kontraktsperioden.",
        ),
        ("h1", "5 Frister"),
        (
            "table",
            None,
            ["Aktivitet", "Dato"],
            [
                ["Kunngjøring", "[dato]"],
                ["Frist for spørsmål", "[dato]"],
                ["Tilbudsfrist", "[dato kl. 12.00]"],
                ["Vedståelsesfrist", "[dato]"],
            ],
            [100, 66],
        ),
    ],
}

MOTEBOK_2019 = {
    "file": "motebok-kommunestyret-eidvik-2019-06-12-nn.pdf",
    "header": "Eidvik kommune – Møtebok kommunestyret 12.06.2019",
    "footer": "side_av",
    "meta": None,
    "cover": None,
    "toc": False,
    "body": [
        (
            "lines",
            [
                "EIDVIK KOMMUNE",
                "Møtebok",
                "Utval: Kommunestyret",
                "Møtestad: Kommunestyresalen, rådhuset",
                "Dato: 12.06.2019   Tid: 17:00–21:15",
            ],
        ),
        ("p", "Forfall vart melde i god tid, og varamedlemer møtte."),
        ("h1", "Sak 34/19 Innkjøpsstrategi for Eidvik kommune 2019–2022"),
        ("b", "Saksutgreiing"),
        (
            "p",
            "Kommunen har ikkje hatt ein samla strategi for innkjøp sidan førre reglement vart vedteke. "
            "Rådmannen legg no fram eit framlegg til strategi for perioden 2019–2022. Strategien byggjer på "
            "anskaffingslova § 5, som krev at kommunen innrettar innkjøpspraksisen slik at han reduserer skadeleg "
            "miljøpåverknad og fremjar klimavenlege løysingar der det er relevant, og som krev rutinar for å "
            "fremje respekt for grunnleggjande menneskerettar der det er risiko for brot.",
        ),
        (
            "p",
            "Kommunen er medlem i Innkjøpssamarbeidet Vestfjord og nyttar rammeavtalane til samarbeidet der det "
            "er tenleg.",
        ),
        ("b", "Rådmannen si tilråding"),
        (
            "ol",
            "Kommunestyret gjer slikt vedtak:",
            [
                "Innkjøpsstrategi for Eidvik kommune 2019–2022 vert vedteken slik han ligg føre.",
                "Kommunen skal krevje miljøleiing (Miljøfyrtårn, ISO 14001, EMAS eller tilsvarande) som "
                "kvalifikasjonskrav der det er relevant for kontrakten.",
                "Kommunen skal stille krav om lærlingar i byggje- og anleggskontraktar og i reinhaldskontraktar "
                "når vilkåra i forskrifta er oppfylte.",
                "Rådmannen legg fram ein årleg rapport om innkjøpsarbeidet for formannskapet.",
            ],
        ),
        ("b", "Handsaming i møtet"),
        (
            "p",
            "Ein representant sette fram tilleggsframlegg om at kommunen skal nytte "
            "kriterieveiviseren på anskaffelser.no i alle konkurransar over den nasjonale terskelverdien. "
            "Framlegget fall.",
        ),
        ("b", "Vedtak"),
        ("p", "Rådmannen si tilråding vart samrøystes vedteken."),
        ("h1", "Sak 35/19 Referatsaker"),
        ("p", "Ingen merknader. Møtet vart heva kl. 21:15."),
        ("right", ["Rett utskrift:", "Utvalssekretær"]),
    ],
}

ENGLISH = {
    "file": "briefing-green-public-procurement-norway-2024-en.pdf",
    "header": f"Briefing note – green public procurement in Norway | {NETT}",
    "footer": "page_of",
    "meta": {
        "title": "Briefing note: Green public procurement in Norway",
        "author": NETT,
        "created": "2024-10-14T11:00:00",
    },
    "cover": None,
    "toc": False,
    "body": [
        ("lines", ["Briefing note for visiting partner municipalities", "Bergen, 14 October 2024"]),
        ("title", "Green public procurement in Norway – what buyers must know"),
        ("h1", "1 The legal basis"),
        (
            "p",
            "Section 5 of the Public Procurement Act of 17 June 2016 (no. 73) requires state, county and municipal "
            "bodies to organise their purchasing so that it reduces harmful environmental impact and promotes "
            "climate-friendly solutions where relevant. The act applies to purchases from NOK 100,000 excluding "
            "VAT.",
        ),
        ("h1", "2 The 30 per cent rule"),
        (
            "p",
            "Since 1 January 2024, section 7-9 of the procurement regulation requires climate and environment to be "
            "weighted at least 30 per cent in the award criteria. A buyer may instead set climate and environment "
            "requirements in the technical specification if that clearly gives a better result. The rule does not "
            "apply where the purchase by its nature has an insignificant climate footprint and environmental "
            "burden. Both choices must be explained in the procurement documents.",
        ),
        ("h1", "3 Thresholds from 1 January 2024"),
        (
            "table",
            "All amounts exclude VAT:",
            ["Threshold", "Amount"],
            [
                ["National threshold", "NOK 1.3 million"],
                ["EEA threshold, central government goods and services", "NOK 1.49 million"],
                ["EEA threshold, other contracting authorities goods and services", "NOK 2.3 million"],
                ["EEA threshold, works contracts", "NOK 57.8 million"],
            ],
            [110, 56],
        ),
        ("h1", "4 Clean vehicles"),
        (
            "p",
            "New passenger cars bought by public bodies have had to be zero-emission vehicles since 2022. The "
            "requirement was extended to light vans in 2023 and later to heavy vans.",
        ),
        ("h1", "5 Support and policy"),
        (
            "ul",
            "Buyers can turn to the following:",
            [
                "DFØ, the Norwegian Agency for Public and Financial Management, which runs anskaffelser.no and took over "
                "the procurement tasks from Difi in 2020",
                "the criteria tool (kriterieveiviseren) on anskaffelser.no for ready-made requirements",
                "Statens innkjøpssenter, set up on 1 January 2016, which signs joint agreements for central government",
            ],
        ),
        (
            "p",
            "The government's action plan of 9 September 2021 aims to raise the share of climate- and "
            "environment-friendly public procurement towards 2030. In its audit, Riksrevisjonen (the Office of the "
            "Auditor General) found the authorities' follow-up open to serious criticism; public bodies buy goods "
            "and services for about NOK 600 billion a year.",
        ),
    ],
}

LAERLINGAR_2017 = {
    "file": "informasjonsskriv-laerlingar-2017-nn.pdf",
    "header": f"Informasjonsskriv 1/2017 – krav om lærlingar | {NETT}",
    "footer": "side_av",
    "meta": None,
    "cover": None,
    "toc": False,
    "body": [
        ("lines", [NETT, "Informasjonsskriv 1/2017", "Bergen, 9. januar 2017"]),
        ("title", "Krav om lærlingar i offentlege kontraktar"),
        ("h1", "1 Bakgrunn"),
        (
            "p",
            "Kunnskapsdepartementet fastsette 17. desember 2016 ei forskrift om plikt til å stille krav om bruk "
            "av lærlingar i offentlege kontraktar. Forskrifta har heimel i anskaffingslova og tok til å gjelde "
            "1. januar 2017.",
        ),
        (
            "ul",
            "Forskrifta har to føremål:",
            [
                "å bidra til at det finst nok læreplassar for elevar i yrkesfagleg utdanning, og nok kvalifiserte "
                "arbeidarar med fag- eller sveinebrev",
                "å motverke økonomisk kriminalitet",
            ],
        ),
        ("h1", "2 Kven og kva kontraktar"),
        (
            "p",
            "Plikta gjeld statlege, fylkeskommunale og kommunale styresmakter og offentlegrettslege organ. Ho "
            "gjeld tenestekontraktar og byggje- og anleggskontraktar i bransjar der departementet har fastsett at "
            "det er særleg behov for læreplassar, til dømes byggje- og anleggsbransjen og servicebransjar som "
            "tilbyr hotell-, konferanse-, reinhalds- og kantinetenester.",
        ),
        (
            "table",
            "Verdigrenser og varigheit:",
            ["Oppdragsgjevar", "Anslått verdi minst", "Varigheit"],
            [
                ["Statlege styresmakter", "1,1 millionar kroner ekskl. mva.", "Over tre månader"],
                ["Kommunar og fylkeskommunar", "1,75 millionar kroner ekskl. mva.", "Over tre månader"],
            ],
            [56, 62, 48],
        ),
        (
            "p",
            "For rammeavtalar skal ein leggje til grunn den største verdien av alle kontraktane ein ventar å "
            "inngå medan avtalen varer.",
        ),
        ("h1", "3 Utanlandske leverandørar"),
        (
            "p",
            "Kravet gjeld òg utanlandske leverandørar. Dei må anten verte godkjende som lærebedrift i Noreg og ha "
            "norske lærlingar, eller ha med lærlingar eller praksiselevar frå ei tilsvarande ordning i "
            "heimlandet.",
        ),
        ("h1", "4 Kva medlemene må gjere"),
        (
            "ol",
            "Vi rår kommunane til å:",
            [
                "vurdere i planlegginga om kontrakten er omfatta av forskrifta",
                "ta inn kontraktsvilkår om lærlingar i konkurransegrunnlaget",
                "følgje opp i kontraktsperioden at lærlingar faktisk deltek i arbeidet",
            ],
        ),
    ],
}


DOCS = [
    TERSKEL_2017,
    TERSKEL_2024,
    VEKT_2023,
    VEKT_2024,
    KOYRETOY_2022,
    KJORETOY_2024,
    RIKSREVISJONEN,
    RENHOLD_MAL,
    MOTEBOK_2019,
    ENGLISH,
    LAERLINGAR_2017,
]


def main() -> None:
    out = Path(__file__).resolve().parent / "docs" / "files"
    out.mkdir(parents=True, exist_ok=True)
    for spec in DOCS:
        print(build(spec, out))


if __name__ == "__main__":
    main()

"""Building blocks of LIGAT's letter templates (python-docx): letterhead, title, body paragraphs, identity
table, footer and the closing with the QR code and signature block. `letters/make_templates.py` and the
builder modules of the packages' templates (`letters/build_group_*.py`) use them.

The letterhead's address line is the placeholder {{kop_alamat}}, filled when a letter is issued from the
office's settings (LIGAT_OFFICE_ADDRESS, LIGAT_OFFICE_PHONE, LIGAT_OFFICE_EMAIL).
"""

from __future__ import annotations

from datetime import UTC, datetime

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

KOP_PEMERINTAH = "PEMERINTAH KOTA JAYAPURA"
KOP_DINAS = "DINAS SOSIAL"
KOP_ALAMAT = "{{kop_alamat}}"  # filled at issue from the office's settings (LIGAT_OFFICE_ADDRESS, _PHONE, _EMAIL)
TEMPAT = "Jayapura"
FONT = "Arial"
TEMPLATE_DATE = datetime(2026, 11, 23, tzinfo=UTC)  # fixed, so a rebuild changes only what changed

PENUTUP = "Demikian surat ini dibuat untuk dipergunakan sebagaimana mestinya."
FOOTER = (
    "Surat nomor {{nomor}} diterbitkan melalui LIGAT, Dinas Sosial Kota Jayapura. "
    "Keaslian surat dapat diperiksa dengan memindai kode QR."
)


# --- building blocks ---------------------------------------------------------------------------------------


def new_document(title: str) -> DocxDocument:
    doc = docx.Document()
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = "Dinas Sosial Kota Jayapura (LIGAT)"
    props.comments = "Templat LIGAT. Penanda {{nama_isian}} diisi otomatis; {{qr}} menjadi kode QR."
    props.created = props.modified = TEMPLATE_DATE
    props.revision = 1
    _drop_thumbnail(doc)

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(4.6), Cm(2.2)
    section.header_distance, section.footer_distance = Cm(1), Cm(1)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "id-ID")  # Word checks spelling in Bahasa Indonesia
    rpr.append(lang)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.15

    kop = doc.styles.add_style("Kop Surat", WD_STYLE_TYPE.PARAGRAPH)
    kop.base_style = normal
    kop.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    kop.paragraph_format.line_spacing = 1.0
    kop.font.bold = True

    judul = doc.styles.add_style("Judul Surat", WD_STYLE_TYPE.PARAGRAPH)
    judul.base_style = normal
    judul.font.size = Pt(12)
    judul.font.bold = True
    judul.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    isi = doc.styles.add_style("Isi Surat", WD_STYLE_TYPE.PARAGRAPH)
    isi.base_style = normal
    isi.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    isi.paragraph_format.space_before = Pt(6)
    isi.paragraph_format.space_after = Pt(6)
    isi.paragraph_format.first_line_indent = Cm(1.25)

    _letterhead(doc)
    _footer(doc)
    return doc


def _drop_thumbnail(doc: DocxDocument) -> None:
    """python-docx's default template carries a preview picture of an empty page; file browsers would show it."""
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[rid]


def _letterhead(doc: DocxDocument) -> None:
    header = doc.sections[0].header
    first = header.paragraphs[0]
    first.style = doc.styles["Kop Surat"]
    first.add_run(KOP_PEMERINTAH).font.size = Pt(14)
    dinas = header.add_paragraph(style="Kop Surat")
    dinas.add_run(KOP_DINAS).font.size = Pt(18)
    alamat = header.add_paragraph(style="Kop Surat")
    run = alamat.add_run(KOP_ALAMAT)
    run.font.size = Pt(9)
    run.font.bold = False
    alamat.paragraph_format.space_after = Pt(2)
    _bottom_border(alamat)


# Elements that must follow <w:pBdr> inside <w:pPr> (ECMA-376 CT_PPrBase order).
_PBDR_SUCCESSORS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _bottom_border(paragraph: Paragraph) -> None:
    """The double rule under an Indonesian letterhead (garis kop), as a paragraph border Word can edit."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "thickThinSmallGap"), ("w:sz", "24"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.insert_element_before(borders, *_PBDR_SUCCESSORS)  # Word rejects pPr children out of schema order


def _footer(doc: DocxDocument) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(FOOTER)
    run.font.size = Pt(8)
    run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def title(doc: DocxDocument, *lines: str) -> None:
    doc.add_paragraph()
    for i, line in enumerate(lines):
        paragraph = doc.add_paragraph(style="Judul Surat")
        run = paragraph.add_run(line)
        run.font.all_caps = True  # upper case even where a placeholder's value is not
        run.font.underline = i == len(lines) - 1
    nomor = doc.add_paragraph(style="Judul Surat")
    nomor.add_run("Nomor: {{nomor}}").font.bold = False
    nomor.paragraph_format.space_after = Pt(12)


def body(doc: DocxDocument, text: str, indent: bool = True) -> Paragraph:
    paragraph = doc.add_paragraph(text, style="Isi Surat")
    if not indent:
        paragraph.paragraph_format.first_line_indent = Cm(0)
    return paragraph


def _set_widths(table: Table, widths: list[Cm]) -> None:
    """Widths on the grid and on every cell: Word reads the cells, LibreOffice the grid."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def data_table(doc: DocxDocument, rows: list[tuple[str, str]]) -> None:
    """Label : value rows, without borders (the usual layout of identity data in a Dinas letter)."""
    table = doc.add_table(rows=len(rows), cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, (label, ":", value), strict=True):
            cell.paragraphs[0].add_run(text)
    _set_widths(table, [Cm(5.5), Cm(0.5), Cm(10)])


def _cell_paragraph(cell: _Cell, text: str = "", first: bool = False) -> Paragraph:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    if text:
        paragraph.add_run(text)
    return paragraph


def closing(doc: DocxDocument) -> None:
    """QR code with its verification line on the left, place, date and signature block on the right."""
    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells

    qr = _cell_paragraph(left, "{{qr}}", first=True)
    qr.alignment = WD_ALIGN_PARAGRAPH.LEFT
    note = _cell_paragraph(left, "Pindai kode QR untuk memeriksa keaslian surat: {{url_verifikasi}}")
    for run in note.runs:
        run.font.size = Pt(8)

    _cell_paragraph(right, f"{TEMPAT}, {{{{tanggal}}}}", first=True)
    _cell_paragraph(right, "{{jabatan_penandatangan}}")
    for _ in range(4):
        _cell_paragraph(right)
    name = _cell_paragraph(right)
    run = name.add_run("{{nama_penandatangan}}")
    run.font.bold = True
    run.font.underline = True
    _cell_paragraph(right, "NIP. {{nip_penandatangan}}")
    _set_widths(table, [Cm(7), Cm(9)])


def standard_letter(document_title: str, title_lines: tuple[str, ...], intro: str, rows: list[tuple[str, str]],
                    *after: str | tuple[str, bool]) -> DocxDocument:
    """The common shape of a letter: title, an introducing paragraph, the identity table, the paragraphs after
    it (a string is indented; `(text, False)` continues the sentence the table interrupted), the closing line,
    QR code and signature."""
    doc = new_document(document_title)
    title(doc, *title_lines)
    body(doc, intro)
    data_table(doc, rows)
    for paragraph in after:
        text, indent = paragraph if isinstance(paragraph, tuple) else (paragraph, True)
        body(doc, text, indent=indent)
    body(doc, PENUTUP)
    closing(doc)
    return doc

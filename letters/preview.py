"""The mark a letter preview carries: a filled letter that is not (yet) an issued one says so on every page.

The mark is added to the rendered .docx, so the PDF made from it and the .docx offered when no PDF can be made
carry it alike: a bold red line at the top of the body and at the top of every footer (the footer is on each
page; the body line is what a reader sees first).
"""

from __future__ import annotations

from io import BytesIO

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

MARK_COLOUR = RGBColor(0xC0, 0x00, 0x00)


def _mark_before(paragraph: Paragraph, text: str, size: int) -> None:
    marked = paragraph.insert_paragraph_before()
    marked.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = marked.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    run.font.color.rgb = MARK_COLOUR


def mark_preview(document: bytes, text: str) -> bytes:
    """`document` (.docx bytes) with `text` at the top of its body and of each of its footers."""
    opened = docx.Document(BytesIO(document))
    body = opened.paragraphs
    if body:
        _mark_before(body[0], text, 14)
    else:
        opened.add_paragraph().add_run(text).bold = True
    for section in opened.sections:
        footer = section.footer
        # A linked footer is the previous section's, marked already (and asking it for its paragraphs
        # would give it a definition of its own).
        if not footer.is_linked_to_previous and footer.paragraphs:
            _mark_before(footer.paragraphs[0], text, 10)
    out = BytesIO()
    opened.save(out)
    return out.getvalue()

"""Real, small files for upload tests: a one-page PDF, a PNG and a JPEG that open in their readers
(uploads are opened and re-encoded, so a header followed by zeros is refused as corrupt)."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter


def pdf(pages: int = 1, javascript: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        from pypdf.actions import JavaScript

        writer.add_open_action(JavaScript(javascript))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 30), color: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


PDF = pdf()
PNG = image("PNG")
JPEG = image("JPEG")

"""Fill a .docx template: `{{ name }}` placeholders become text, `{{qr}}` becomes the verification QR code.

Word splits text into runs wherever formatting, spell-check or editing history changed, so a placeholder typed
by office staff may be spread over several runs (`{{na` + `ma}}`). Placeholders are therefore found in the text
of the whole paragraph and replaced at the level of the `<w:t>` text nodes: the value lands in the run where the
placeholder starts (keeping that run's formatting), the rest of the placeholder is removed from the following
runs, and every other run keeps its own formatting. Values are assigned as element text, so lxml escapes them:
a value can never add XML to the letter.

Every `<w:p>` of the main document, its headers and its footers is visited, which covers tables, nested tables,
text boxes and content controls alike.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO

import docx
import qrcode
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.parts.document import DocumentPart
from docx.parts.hdrftr import FooterPart, HeaderPart
from docx.parts.story import StoryPart
from docx.shared import Cm
from docx.text.run import Run
from lxml.etree import _Element
from qrcode.image.pil import PilImage

from .errors import LetterFieldsMissing, LetterTemplateInvalid

QR_FIELD = "qr"
QR_WIDTH = Cm(3)

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# Template names are file stems; this also keeps `../` and Word's `~$name.docx` lock files out.
_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
# Characters XML 1.0 cannot hold (lxml refuses them) and line breaks, which a `<w:t>` cannot show.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")

_W_P = qn("w:p")
_W_T = qn("w:t")
_W_R = qn("w:r")
_W_RPR = qn("w:rPr")
_XML_SPACE = qn("xml:space")


def template_fields(source: bytes, name: str = "dokumen") -> list[str]:
    """Placeholder names of a template (including `qr`), so a caller can check its data before rendering."""
    return sorted(_wanted(docx.Document(BytesIO(source)), name))


def qr_png(payload: str) -> bytes:
    """PNG QR code of `payload` (the verification URL).

    Error correction level Q still scans when a stamp or signature overlaps part of the code.
    """
    if not payload:
        raise ValueError("Isi kode QR tidak boleh kosong.")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=10, border=4)
    code.add_data(payload)
    code.make(fit=True)
    out = BytesIO()
    code.make_image(image_factory=PilImage).save(out)
    return out.getvalue()


def fill_docx(source: bytes, fields: Mapping[str, str], qr_payload: str | None = None, name: str = "dokumen") -> bytes:
    """Fill a .docx template given as bytes (a service package's letter template): `{{ name }}`
    placeholders get `fields`, `{{qr}}` the QR code of `qr_payload`.

    Refuses (`LetterFieldsMissing`) when any placeholder would stay empty, a blank value included: a letter
    with gaps must never be issued. Extra fields are ignored, so one dict can serve several templates. Line
    breaks in values become spaces. The QR code comes only from `qr_payload`, never from `fields`. `name`
    only labels error messages.
    """
    return _fill_document(docx.Document(BytesIO(source)), name, fields, qr_payload)


# --- internals ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _StoryParent:
    """The least a python-docx `Run` needs from its parent: the part that will own the picture."""

    part: StoryPart


def _fill_document(document: DocxDocument, name: str, fields: Mapping[str, str], qr_payload: str | None) -> bytes:
    # Look at everything before touching anything, so a refused letter leaves nothing half done.
    wanted = _wanted(document, name)
    values = {key: _clean(fields[key]) for key in wanted if key in fields and fields[key] is not None}
    missing = sorted(key for key in wanted if key != QR_FIELD and not values.get(key, "").strip())
    if QR_FIELD in wanted and not qr_payload:
        missing.append(QR_FIELD)
    if missing:
        raise LetterFieldsMissing(name, missing)
    if qr_payload and QR_FIELD not in wanted:
        raise LetterTemplateInvalid(
            f"Templat '{name}' tidak memiliki tempat kode QR ({{{{{QR_FIELD}}}}}); surat tanpa kode QR "
            "tidak dapat diperiksa keasliannya."
        )

    png = qr_png(qr_payload) if qr_payload else b""
    for part in _story_parts(document):
        for texts in _paragraphs(part):
            _fill(part, texts, values, png)

    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _wanted(document: DocxDocument, name: str) -> set[str]:
    wanted: set[str] = set()
    for part in _story_parts(document):
        for texts in _paragraphs(part):
            wanted.update(_scan(name, texts))
    return wanted


def _story_parts(document: DocxDocument) -> list[StoryPart]:
    """Main document, headers and footers; each part once even when sections share (link) a header."""
    return [
        part for part in document.part.package.iter_parts() if isinstance(part, (DocumentPart, HeaderPart, FooterPart))
    ]


def _paragraphs(part: StoryPart) -> Iterator[list[_Element]]:
    """The text nodes of each paragraph of the part (without those of a text box nested inside it)."""
    for p in list(part.element.iter(_W_P)):
        texts = [t for t in p.iter(_W_T) if next(t.iterancestors(_W_P)) is p]
        if texts:
            yield texts


def _scan(name: str, texts: list[_Element]) -> set[str]:
    text = "".join(t.text or "" for t in texts)
    leftover = PLACEHOLDER.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        raise LetterTemplateInvalid(
            f"Templat '{name}' memuat penanda yang tidak sah: {text.strip()!r}. Penanda harus berbentuk "
            "{{nama_isian}} (huruf, angka dan garis bawah)."
        )
    return {m.group(1) for m in PLACEHOLDER.finditer(text)}


def _clean(value: object) -> str:
    return _XML_ILLEGAL.sub("", _LINE_BREAKS.sub(" ", str(value)))


def _set_text(t: _Element, text: str) -> None:
    t.text = text
    t.set(_XML_SPACE, "preserve")  # Word drops leading/trailing spaces otherwise


def _fill(part: StoryPart, texts: list[_Element], values: Mapping[str, str], png: bytes) -> None:
    text = "".join(t.text or "" for t in texts)
    matches = list(PLACEHOLDER.finditer(text))
    if not matches:
        return
    lengths = [len(t.text or "") for t in texts]
    starts = [sum(lengths[:i]) for i in range(len(texts))]

    def locate(offset: int) -> int:
        """Index of the text node that held character `offset` of the paragraph text before any change."""
        return next(i for i in range(len(texts)) if starts[i] <= offset < starts[i] + lengths[i])

    # Right to left: a replacement changes lengths only after its own start, where all is already done.
    for match in reversed(matches):
        name = match.group(1)
        first, last = locate(match.start()), locate(match.end() - 1)
        head = (texts[first].text or "")[: match.start() - starts[first]]
        replacement = "" if name == QR_FIELD else values[name]
        if first == last:
            tail = (texts[first].text or "")[match.end() - starts[first] :]
            _set_text(texts[first], head + replacement + tail)
        else:
            _set_text(texts[first], head + replacement)
            for t in texts[first + 1 : last]:
                _set_text(t, "")
            _set_text(texts[last], (texts[last].text or "")[match.end() - starts[last] :])
        if name == QR_FIELD:
            _insert_picture_after(part, texts[first], len(head), png)


def _insert_picture_after(part: StoryPart, t: _Element, offset: int, png: bytes) -> None:
    """Split the run of `t` at `offset` and put a new run holding the QR picture in between."""
    run = t.getparent()
    tail_text = (t.text or "")[offset:]
    _set_text(t, (t.text or "")[:offset])
    following = list(t.itersiblings())

    picture_run = OxmlElement("w:r")
    run.addnext(picture_run)
    Run(picture_run, _StoryParent(part)).add_picture(BytesIO(png), width=QR_WIDTH)

    if tail_text or following:
        tail_run = OxmlElement("w:r")
        rpr = run.find(_W_RPR)
        if rpr is not None:
            tail_run.append(copy.deepcopy(rpr))
        if tail_text:
            tail_t = OxmlElement("w:t")
            _set_text(tail_t, tail_text)
            tail_run.append(tail_t)
        for element in following:
            tail_run.append(element)  # moves it out of the original run
        picture_run.addnext(tail_run)

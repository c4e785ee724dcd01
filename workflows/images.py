"""Decode and re-encode an uploaded image, the one way every channel cleans pictures.

Re-encoding by Pillow keeps pixels only: EXIF (GPS, camera serials), XMP, ICC profiles and
anything appended to the file are gone, and the phone's rotation is applied first. The size
is checked from the header before any pixel is decoded (a small one-colour PNG can hold
7000×7000 pixels), and a truncated file is refused instead of padded with grey.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .errors import LigatError

MAX_PIXELS = 40_000_000
MAX_SIDE = 8000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard (warns above, refuses above twice this)
ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageRefused(LigatError):
    """The image cannot be accepted; the message (Indonesian, then English) says why."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    media_type: str
    extension: str
    width: int
    height: int


def check_dimensions(width: int, height: int) -> None:
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ImageRefused(
            f"Ukuran gambar terlalu besar ({width}×{height} piksel; maksimal {MAX_SIDE} piksel per sisi dan "
            f"{MAX_PIXELS // 1_000_000} megapiksel). (Image dimensions too large.)")


@contextmanager
def _readable() -> Iterator[None]:
    """Pillow's errors as the one refusal a citizen or officer reads."""
    try:
        yield
    except ImageRefused:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own guard, above twice MAX_PIXELS
        raise ImageRefused(f"Ukuran gambar terlalu besar (maksimal {MAX_PIXELS // 1_000_000} megapiksel). "
                           "(Image dimensions too large.)") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused("Gambar rusak, terpotong atau tidak dapat dibaca. (Corrupt or truncated image.)") from exc


def probe(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) from the header, without decoding pixels: the cheap check an upload
    passes before it is kept (re-encoding may come later, off the request: app/portal/cleaning.py)."""
    with _readable(), Image.open(io.BytesIO(data)) as header:  # reads the header only
        check_dimensions(header.width, header.height)
        found = (header.format or "", header.width, header.height)
        header.verify()
    return found


def reencode(data: bytes, max_side: int, keep_png: bool = False, quality: int = 85) -> CleanImage:
    """JPEG out (or PNG for a PNG when `keep_png`: a scanned form stays sharp), at most `max_side` pixels."""
    source_format = probe(data)[0]
    with _readable(), Image.open(io.BytesIO(data)) as image:
        image.load()  # a truncated file fails here, before anything is written
        image = ImageOps.exif_transpose(image)
        as_png = keep_png and source_format == "PNG"
        image = image.convert("RGBA" if as_png and image.mode in ("RGBA", "LA", "P") else "RGB")
        image.thumbnail((max_side, max_side))
        out = io.BytesIO()
        # No exif=, no icc_profile=: Pillow writes pixels only.
        if as_png:
            image.save(out, "PNG", optimize=True)
        else:
            image.save(out, "JPEG", quality=quality, optimize=True)
    if as_png:
        return CleanImage(out.getvalue(), "image/png", "png", image.width, image.height)
    return CleanImage(out.getvalue(), "image/jpeg", "jpg", image.width, image.height)

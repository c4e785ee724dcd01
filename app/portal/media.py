"""Photos and a short video sent with a report: checked by content, cleaned, stored.

Photos are decoded and re-encoded by Pillow as JPEG: EXIF (including GPS and
camera serials), XMP and anything appended to the file are gone, and the image is
rotated the way the phone meant. The portal's form only checks a photo (type by
content, size, header) and keeps it as sent in `RAW_AREA`; app/portal/cleaning.py
re-encodes it off the request, and only the re-encoded file is ever served. The
only coordinates kept are those the reporter chose on the map, in the database.
Videos (MP4/MOV/3GP) keep their bytes, but the metadata boxes that carry location
(`udta`, `meta`, `uuid` in the movie header) are renamed to `free` and zeroed,
which players skip and which moves no offset. No Flask here: the view passes bytes in and gets cleaned bytes out.

Cleaned files are kept by the one file store, workflows/storage.py, in the area
`AREA` ("media"): random names outside the web root, removed again when the
report's transaction rolls back (see app/portal/reports.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import filetype

from workflows import images

AREA = "media"  # storage area of workflows/storage.py (root: LIGAT_UPLOAD_DIR, app/engine_config.py)
RAW_AREA = "media_raw"  # photos as sent, waiting for re-encoding: never served (app/portal/cleaning.py)
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp", "video/x-m4v": "mp4",
               "video/webm": "webm"}
ISO_BMFF = {"mp4", "mov", "3gp"}
MAX_PHOTO_SIDE = 2048
_METADATA_BOXES = {b"udta", b"meta", b"uuid"}


class MediaRejected(ValueError):
    """A file refused, with the reason a citizen can act on."""


@dataclass(frozen=True)
class Limits:
    max_photos: int = 5
    photo_bytes: int = 10 * 1024 * 1024
    video_bytes: int = 20 * 1024 * 1024
    video_seconds: int = 60


@dataclass
class CleanMedia:
    kind: str  # foto, video
    media_type: str
    extension: str
    data: bytes
    width: int | None = None
    height: int | None = None
    # False: a photo checked by content (type, header, size) but not re-encoded yet; its bytes are the
    # upload as sent and are never served (app/portal/cleaning.py re-encodes it off the request).
    cleaned: bool = True

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def check_photo(data: bytes, limits: Limits) -> CleanMedia:
    """The checks a photo passes before it is kept: size, type by content, dimensions from the header
    (no pixel decoded). Returns it as sent (`cleaned` False): `clean_photo` makes it safe to show."""
    if len(data) > limits.photo_bytes:
        raise MediaRejected(f"Foto terlalu besar (maksimal {_mb(limits.photo_bytes)}). (Photo too large.)")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in PHOTO_TYPES:
        raise MediaRejected("Berkas bukan foto JPEG, PNG atau WebP. (Not a JPEG, PNG or WebP photo.)")
    try:
        _format, width, height = images.probe(data)
    except images.ImageRefused as exc:
        raise MediaRejected(str(exc)) from exc
    return CleanMedia("foto", kind.mime, kind.extension, data, width, height, cleaned=False)


def reencode_photo(data: bytes) -> CleanMedia:
    """Pixels only, as JPEG (see workflows/images.py): what is kept to be served."""
    try:
        clean = images.reencode(data, MAX_PHOTO_SIDE)
    except images.ImageRefused as exc:
        raise MediaRejected(str(exc)) from exc
    return CleanMedia("foto", clean.media_type, clean.extension, clean.data, clean.width, clean.height)


def clean_photo(data: bytes, limits: Limits) -> CleanMedia:
    return reencode_photo(check_photo(data, limits).data)


def _boxes(buf: bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, offset, header length, size) of the ISO BMFF boxes between start and end."""
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(buf[pos : pos + 4], "big")
        box_type = bytes(buf[pos + 4 : pos + 8])
        header = 8
        if size == 1:
            size = int.from_bytes(buf[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise MediaRejected("Berkas video rusak. (Corrupt video.)")
        yield box_type, pos, header, size
        pos += size


def _blank(buf: bytearray, pos: int, header: int, size: int) -> None:
    buf[pos + 4 : pos + 8] = b"free"
    buf[pos + header : pos + size] = bytes(size - header)


def _mvhd_seconds(buf: bytearray, pos: int, header: int) -> float | None:
    body = pos + header
    version = buf[body]
    if version == 1:
        timescale = int.from_bytes(buf[body + 20 : body + 24], "big")
        duration = int.from_bytes(buf[body + 24 : body + 32], "big")
    else:
        timescale = int.from_bytes(buf[body + 12 : body + 16], "big")
        duration = int.from_bytes(buf[body + 16 : body + 20], "big")
    return duration / timescale if timescale else None


def strip_bmff_metadata(data: bytes) -> tuple[bytes, float | None]:
    """Blank location-bearing metadata boxes; return (bytes, duration in seconds)."""
    buf = bytearray(data)
    seconds = None
    found_moov = False
    for box_type, pos, header, size in list(_boxes(buf, 0, len(buf))):
        if box_type in _METADATA_BOXES:
            _blank(buf, pos, header, size)
        elif box_type == b"moov":
            found_moov = True
            for child, cpos, cheader, csize in list(_boxes(buf, pos + header, pos + size)):
                if child in _METADATA_BOXES:
                    _blank(buf, cpos, cheader, csize)
                elif child == b"mvhd":
                    seconds = _mvhd_seconds(buf, cpos, cheader)
                elif child == b"trak":
                    for grandchild, gpos, gheader, gsize in list(_boxes(buf, cpos + cheader, cpos + csize)):
                        if grandchild in _METADATA_BOXES:
                            _blank(buf, gpos, gheader, gsize)
    if not found_moov:
        raise MediaRejected("Berkas video rusak atau belum selesai direkam. (Incomplete video.)")
    return bytes(buf), seconds


def clean_video(data: bytes, limits: Limits) -> CleanMedia:
    if len(data) > limits.video_bytes:
        raise MediaRejected(f"Video terlalu besar (maksimal {_mb(limits.video_bytes)}). (Video too large.)")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in VIDEO_TYPES:
        raise MediaRejected("Berkas bukan video MP4, MOV, 3GP atau WebM. (Unsupported video type.)")
    extension = VIDEO_TYPES[kind.mime]
    media_type = "video/mp4" if kind.mime == "video/x-m4v" else kind.mime
    if extension in ISO_BMFF:
        data, seconds = strip_bmff_metadata(data)
        if seconds is not None and seconds > limits.video_seconds:
            raise MediaRejected(
                f"Video terlalu panjang (maksimal {limits.video_seconds} detik). (Video too long.)"
            )
    return CleanMedia("video", media_type, extension, data)


def clean_uploads(photos: list[bytes], video: bytes | None, limits: Limits,
                  defer_photos: bool = False) -> list[CleanMedia]:
    """Up to `max_photos` photos or one video (not both): the issue's 'up to 5 photos or one short video'.
    `defer_photos`: photos are checked now and re-encoded later (the portal's form answers faster)."""
    photos = [p for p in photos if p]
    if photos and video:
        raise MediaRejected("Kirim foto atau satu video, tidak keduanya. (Photos or one video, not both.)")
    if len(photos) > limits.max_photos:
        raise MediaRejected(f"Paling banyak {limits.max_photos} foto. (At most {limits.max_photos} photos.)")
    if video:
        return [clean_video(video, limits)]
    return [check_photo(p, limits) if defer_photos else clean_photo(p, limits) for p in photos]

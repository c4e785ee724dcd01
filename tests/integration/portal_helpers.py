"""Shared by the portal's HTTP, Open311 and browser tests: real files with real metadata."""

from __future__ import annotations

import io
import random
import struct

from PIL import ExifTags, Image

VILLAGE = "91.71.01.1001"  # Gurabesi, Jayapura Utara
OTHER_VILLAGE = "91.71.03.1001"


def jpeg_with_gps(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG carrying a camera make and a GPS position in its EXIF, as phones write them."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraUji"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (2.0, 31.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (140.0, 43.0, 5.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_with_location(seconds: int = 5) -> bytes:
    """A minimal ISO BMFF file: ftyp, moov (mvhd + udta with an Apple ©xyz location), mdat."""
    mvhd = bytes(4) + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + bytes(80)
    xyz = _box(b"\xa9xyz", struct.pack(">HH", 18, 0) + b"-02.5337+140.7181/")
    moov = _box(b"moov", _box(b"mvhd", mvhd) + _box(b"udta", xyz))
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    return ftyp + moov + _box(b"mdat", bytes(64))


def spot() -> tuple[float, float]:
    """A position of its own for each test (inside Indonesia), so tests never see each other's reports."""
    return round(random.uniform(-9.0, -3.0), 6), round(random.uniform(120.0, 135.0), 6)


def report_form(token: str, **overrides: object) -> dict:
    form = {
        "csrf_token": token,
        "kategori": "pengemis",
        "deskripsi": "Dua orang mengemis di perempatan sampai larut malam.",
        "lokasi": "Perempatan Jl. Ahmad Yani, depan toko",
        "kode_wilayah": VILLAGE,
    }
    form.update(overrides)
    return form

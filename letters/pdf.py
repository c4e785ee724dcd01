"""PDF through LibreOffice headless, where it is installed (the .docx stays the letter of record otherwise)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import PdfConversionError

DEFAULT_TIMEOUT = 120.0  # seconds; a first start with a fresh profile takes a few seconds, a hang takes forever


def soffice_path() -> str | None:
    """Path of the LibreOffice binary, or None: lets callers (and health checks) tell whether PDF is on offer."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes, timeout: float = DEFAULT_TIMEOUT) -> bytes | None:
    """Convert .docx bytes to PDF bytes; None when LibreOffice is not installed.

    Every call gets its own temporary LibreOffice profile (`-env:UserInstallation`): with a shared profile a
    second soffice hands its job to the first one or fails on the profile lock, which breaks parallel web
    workers and tests. The whole process group is killed on timeout, so no soffice.bin is left behind.
    Raises `PdfConversionError` when LibreOffice runs but produces no PDF, `ValueError` for bytes that are not
    a .docx (LibreOffice would happily turn them into a PDF of garbage).
    """
    if not docx.startswith(b"PK\x03\x04"):
        raise ValueError("Data yang akan diubah menjadi PDF bukan berkas .docx.")
    soffice = soffice_path()
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="ligat-pdf-") as tmp:
        work = Path(tmp)
        source = work / "surat.docx"
        source.write_bytes(docx)
        outdir = work / "out"
        profile = work / "profile"
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work)}  # LibreOffice also writes under $HOME; keep it private too
        process = subprocess.Popen(  # noqa: S603 (fixed argument list, no shell)
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(f"Konversi PDF oleh LibreOffice melebihi batas waktu {timeout:g} detik.") from exc
        result = outdir / "surat.pdf"
        if process.returncode != 0 or not result.is_file():
            detail = (stderr or stdout).decode("utf-8", "replace").strip()[-500:]
            raise PdfConversionError(
                f"LibreOffice gagal mengubah surat menjadi PDF (kode keluar {process.returncode}): {detail or '-'}"
            )
        pdf = result.read_bytes()
    if not pdf.startswith(b"%PDF"):
        raise PdfConversionError("LibreOffice menghasilkan berkas yang bukan PDF.")
    return pdf

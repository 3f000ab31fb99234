"""What the Word exports share (knowledge compilations, bulletins): text Word can hold, and the
conversion of a .docx to PDF by LibreOffice (`soffice`), when it is installed."""

import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

PDF_TIMEOUT_SECONDS = 180
# Characters XML (and so Word) cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """The text without the control characters a Word file cannot hold."""
    return _XML_ILLEGAL.sub("", text or "")


def soffice_path() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(
    data: bytes, *, label: str, command: str, timeout: int = PDF_TIMEOUT_SECONDS
) -> bytes | None:
    """The Word file `data` converted to PDF by LibreOffice's `command`; None when the
    conversion fails or times out (logged with `label`, e.g. "bulletin 12"). The callers look
    up `command` with `soffice_path()` themselves, so that they can skip building the Word file
    when LibreOffice is missing."""
    with tempfile.TemporaryDirectory(prefix="twinning-pdf-") as folder:
        source = Path(folder) / "document.docx"
        source.write_bytes(data)
        # A profile of its own: a second conversion at the same time would otherwise wait for
        # (or fail on) the user's profile lock.
        profile = Path(folder) / "profile"
        try:
            subprocess.run(  # noqa: S603 - a fixed command with our own file names
                [
                    command,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    folder,
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            logger.warning("PDF conversion of %s failed: %r", label, exc)
            return None
        target = Path(folder) / "document.pdf"
        if not target.exists():
            logger.warning("PDF conversion of %s produced no file", label)
            return None
        return target.read_bytes()

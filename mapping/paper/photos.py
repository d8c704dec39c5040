"""Uploaded photos and scans of worksheets, checked by what they contain (pure).

Only JPEG, PNG and PDF are taken, recognised by their first bytes, never by name or declared
type. Every image is decoded and encoded again as a plain JPEG, so nothing the camera wrote
(EXIF, GPS position, device) is kept, and nothing is ever served back as the file that came in.
"""

import io
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

MAX_BYTES = 20 * 1024 * 1024  # one file
MAX_PIXELS = 60_000_000  # refuses decompression bombs before decoding
MAX_SIDE_PX = 4000  # larger photos are scaled down: the sheet needs no more
MAX_PDF_PAGES = 60
PDF_DPI = 200
JPEG_QUALITY = 90
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class BadUpload(ValueError):
    """A file that is not a photo or scan we can read, with what to do in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def kind_of(data: bytes) -> str | None:
    """'jpeg', 'png' or 'pdf' from a file's first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def photos_from(name: str, data: bytes) -> list[bytes]:
    """Clean JPEGs (one per photo, or per page of a PDF) from an uploaded file."""
    label = _label(name)
    if len(data) > MAX_BYTES:
        raise BadUpload(f"{label} is bigger than {MAX_BYTES // (1024 * 1024)} MB: take the "
                        "photo at a normal size, or scan at 200 dpi.")
    kind = kind_of(data)
    if kind is None:
        raise BadUpload(f"{label} is not a photo or a scan: upload JPEG or PNG photos, or a "
                        "PDF of scanned sheets.")
    if kind == "pdf":
        return [_clean(page, label) for page in _pdf_pages(data, label)]
    return [_clean(data, label)]


def _label(name: str) -> str:
    shown = "".join(ch for ch in (name or "") if ch.isprintable())[:80]
    return f"“{shown}”" if shown else "A file"


def _clean(data: bytes, label: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise BadUpload(f"{label} could not be opened as a picture: take the photo "
                        "again.") from exc
    if width * height > MAX_PIXELS:
        raise BadUpload(f"{label} has too many pixels: take the photo at a normal size.")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)  # applies rotation
    if image is None:
        raise BadUpload(f"{label} could not be opened as a picture: take the photo again.")
    longest = max(image.shape[:2])
    if longest > MAX_SIDE_PX:
        factor = MAX_SIDE_PX / longest
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return encode_jpeg(image)


def encode_jpeg(image: np.ndarray) -> bytes:
    """A picture as a plain JPEG (OpenCV writes no EXIF or other metadata)."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise BadUpload("A picture could not be saved.")
    return encoded.tobytes()


def _pdf_pages(data: bytes, label: str) -> list[bytes]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "in.pdf")
        source.write_bytes(data)
        try:
            # poppler's pdftoppm from the system (see Makefile); arguments are ours, not the file's
            subprocess.run(["pdftoppm", "-r", str(PDF_DPI), "-l", str(MAX_PDF_PAGES),  # noqa: S603, S607
                            "-png", str(source), str(Path(folder, "page"))],
                           check=True, capture_output=True, timeout=180)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise BadUpload(f"{label} could not be read as a PDF: scan the sheets "
                            "again.") from exc
        pages = sorted(Path(folder).glob("page*.png"))
        if not pages:
            raise BadUpload(f"{label} has no pages.")
        return [page.read_bytes() for page in pages]

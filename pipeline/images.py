"""What the filters do to the bytes, with Pillow: check, describe, render. No AWS here.

Each function is pure: the same bytes give the same answer (and the same
rendition bytes), which is what makes every filter safe to run twice. A file
that is not acceptable raises `Rejected` with a stable code and a sentence its
owner can read; anything else that goes wrong is a bug or an outage, and the
filter's queue retries it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

#: What Pillow reads, by declared content type -> the formats Pillow may name it.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("JPEG", "MPO"),
    "image/png": ("PNG",),
    "image/webp": ("WEBP",),
    "image/gif": ("GIF",),
    "image/tiff": ("TIFF",),
}
#: A larger image is refused: decoding it could take gigabytes (a decompression bomb).
MAX_PIXELS = 50_000_000
#: Renditions by name -> the length of their long side, in pixels.
RENDITION_SIZES: dict[str, int] = {"thumbnail": 320, "large": 1280}
RENDITION_CONTENT_TYPE = "image/jpeg"
RENDITION_QUALITY = 85

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"WEBP", 8, "image/webp"),
)

_ORIENTATION = 0x0112
_MAKE = 0x010F
_MODEL = 0x0110
_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4


class Rejected(Exception):
    """The upload is not an acceptable image; `reason` says why, for its owner."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Inspection:
    """What validation learned: the image's format and stored size."""

    format: str
    width: int
    height: int


def describe_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size:,} bytes"
    return f"{size / (1024 * 1024):.1f} MB"


def check_declared(content_type: str, size: int, declared_size: int, max_bytes: int) -> None:
    """The checks that need no bytes: an allowed type, not empty, within limits, as declared."""
    if content_type not in ALLOWED_TYPES:
        raise Rejected(
            "unsupported_type",
            f"{content_type!r} is not a supported image type; "
            f"upload {', '.join(sorted(ALLOWED_TYPES))}.",
        )
    if size == 0:
        raise Rejected("empty", "The file is empty.")
    if size > max_bytes:
        raise Rejected(
            "too_large",
            f"The file is {describe_size(size)}; uploads are limited to "
            f"{describe_size(max_bytes)}.",
        )
    if size != declared_size:
        relation = "larger" if size > declared_size else "smaller"
        raise Rejected(
            "size_mismatch",
            f"The file is {relation} than declared ({describe_size(size)} uploaded, "
            f"{describe_size(declared_size)} declared).",
        )


def sniff(data: bytes) -> str | None:
    """The content type the file's first bytes (its magic number) say it is."""
    for signature, offset, content_type in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            if content_type == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return content_type
    return None


def validate(data: bytes, declared_type: str, declared_size: int, max_bytes: int) -> Inspection:
    """Refuse anything but a whole image of the declared type within the limits."""
    check_declared(declared_type, len(data), declared_size, max_bytes)
    actual = sniff(data)
    if actual is None:
        raise Rejected("not_an_image", "The file is not an image Retake can read.")
    if actual != declared_type:
        raise Rejected(
            "type_mismatch",
            f"The file is {_type_name(actual)}, "
            f"but it was uploaded as {_type_name(declared_type)}.",
        )
    with _opened(data) as image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise Rejected(
                "too_many_pixels",
                f"The image is {width:,} x {height:,} pixels "
                f"({width * height / 1e6:.0f} megapixels); the limit is "
                f"{MAX_PIXELS / 1e6:.0f} megapixels.",
            )
        if image.format not in ALLOWED_TYPES[declared_type]:
            raise Rejected(
                "type_mismatch",
                f"The file is a {image.format} image, but it was uploaded as "
                f"{_type_name(declared_type)}.",
            )
        image_format = str(image.format)
        try:
            image.verify()
        except Exception as error:
            raise Rejected("corrupt", f"The image is damaged: {error}.") from error
    with _opened(data) as image:
        try:
            image.load()
        except OSError as error:
            if "truncated" in str(error):
                raise Rejected(
                    "truncated", "The image is truncated: part of the file is missing."
                ) from error
            raise Rejected("corrupt", f"The image is damaged: {error}.") from error
    return Inspection("JPEG" if image_format == "MPO" else image_format, width, height)


def extract(data: bytes) -> dict[str, Any]:
    """Dimensions as displayed, format, capture time, camera, orientation, GPS (if any)."""
    with _opened(data) as image:
        exif = image.getexif()
        orientation = int(exif.get(_ORIENTATION, 1) or 1)
        width, height = image.size
        if orientation in (5, 6, 7, 8):  # rotated a quarter turn: displayed sideways
            width, height = height, width
        metadata: dict[str, Any] = {
            "width": width,
            "height": height,
            "format": "JPEG" if image.format == "MPO" else image.format,
            "orientation": orientation,
        }
        details = exif.get_ifd(_EXIF_IFD)
        captured = _captured_at(
            details.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME),
            details.get(_OFFSET_TIME_ORIGINAL),
        )
        if captured:
            metadata["captured_at"] = captured
        camera = " ".join(
            _text(value) for value in (exif.get(_MAKE), exif.get(_MODEL)) if _text(value)
        )
        if camera:
            metadata["camera"] = camera
        gps = _gps(exif.get_ifd(_GPS_IFD))
        if gps:
            metadata["gps"] = gps
    return metadata


def render(data: bytes, sizes: dict[str, int] | None = None) -> dict[str, bytes]:
    """JPEG renditions, orientation applied and every metadata block left out."""
    renditions: dict[str, bytes] = {}
    wanted = sizes or RENDITION_SIZES
    with _opened(data) as image:
        # A JPEG decodes at 1/2, 1/4 or 1/8 scale for the asking: still at least the
        # largest rendition on both sides, and about half the render's time at 12 MP.
        largest = max(wanted.values())
        image.draft("RGB", (largest, largest))
        upright = ImageOps.exif_transpose(image)
        flat = _flatten(upright)
        for name, long_side in wanted.items():
            copy = flat.copy()
            copy.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            # No `exif=`, `icc_profile=` or comments: the rendition carries pixels only.
            copy.save(out, "JPEG", quality=RENDITION_QUALITY, optimize=True)
            renditions[name] = out.getvalue()
    return renditions


def _opened(data: bytes) -> Image.Image:
    """Open lazily (the header only), turning Pillow's bomb guard into our refusal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Rejected(
            "too_many_pixels",
            f"The image has too many pixels to open safely; the limit is "
            f"{MAX_PIXELS / 1e6:.0f} megapixels.",
        ) from error
    except UnidentifiedImageError as error:
        raise Rejected("not_an_image", "The file is not an image Retake can read.") from error
    except OSError as error:
        raise Rejected("corrupt", f"The image is damaged: {error}.") from error


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency goes onto white; palettes and other modes are converted."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _type_name(content_type: str) -> str:
    names = {
        "image/jpeg": "a JPEG",
        "image/png": "a PNG",
        "image/webp": "a WebP",
        "image/gif": "a GIF",
        "image/tiff": "a TIFF",
    }
    return names.get(content_type, content_type)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ").strip() if value is not None else ""


def _captured_at(value: Any, offset: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        instant = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    iso = instant.isoformat()
    zone = _text(offset)
    return f"{iso}{zone}" if zone[:1] in ("+", "-") and len(zone) == 6 else iso


def _degrees(value: Any, reference: Any) -> float | None:
    try:
        degrees, minutes, seconds = (Fraction(str(float(part))) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = float(degrees + minutes / 60 + seconds / 3600)
    if _text(reference).upper() in ("S", "W"):
        decimal = -decimal
    return round(decimal, 6)


def _gps(gps: Any) -> dict[str, float] | None:
    if not gps:
        return None
    latitude = _degrees(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF))
    longitude = _degrees(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF))
    if latitude is None or longitude is None:
        return None
    return {"latitude": latitude, "longitude": longitude}

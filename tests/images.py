"""Real images for tests, made by Pillow: with EXIF and GPS, rotated, in every format, broken."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, TiffImagePlugin

#: Where the camera stood in `jpeg_with_exif`: 48.8584 N, 2.2945 E.
LATITUDE = 48.8584
LONGITUDE = 2.2945
CAPTURED = datetime(2024, 5, 1, 12, 30, 15)


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(int(seconds * 10000), 10000),
    )


def picture(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    """A picture whose top-left quarter is red and the rest blue (to see rotation)."""
    image = Image.new(mode, (width, height), "blue")
    image.paste(Image.new(mode, (width // 2, height // 2), "red"), (0, 0))
    return image


def jpeg_with_exif(
    width: int = 64, height: int = 48, orientation: int = 1, gps: bool = True
) -> bytes:
    """A JPEG with a capture time, a camera, an orientation and (unless told) GPS."""
    exif = Image.Exif()
    exif[0x010F] = "Retake Optics"
    exif[0x0110] = "Model 7"
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = CAPTURED.strftime("%Y:%m:%d %H:%M:%S")
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: _dms(LATITUDE), 3: "E", 4: _dms(LONGITUDE)})
    out = io.BytesIO()
    picture(width, height).save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def encoded(fmt: str, width: int = 64, height: int = 48) -> bytes:
    """A plain image in `fmt` (JPEG, PNG, WEBP, GIF, TIFF)."""
    out = io.BytesIO()
    image = picture(width, height)
    (image.convert("P") if fmt == "GIF" else image).save(out, fmt)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    whole = jpeg_with_exif(256, 192, gps=False)
    return whole[: len(whole) * 2 // 3]


def pixel_bomb() -> bytes:
    """A PNG of a few kilobytes that would decode to 100 megapixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()

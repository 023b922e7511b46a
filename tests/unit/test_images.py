"""The pipeline's image work, alone: checking, describing and rendering bytes made by Pillow."""

from __future__ import annotations

import io
from uuid import uuid4

import pytest
from PIL import Image, ImageChops, ImageStat

from pipeline import images
from pipeline.keys import original_key, parse_original_key, rendition_key
from tests import images as made

LIMIT = 25 * 1024 * 1024


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"),
     ("GIF", "image/gif"), ("TIFF", "image/tiff")],
)  # fmt: skip
def test_magic_bytes_name_every_readable_format(fmt: str, content_type: str) -> None:
    data = made.encoded(fmt)

    assert images.sniff(data) == content_type
    assert images.validate(data, content_type, len(data), LIMIT).format == fmt


def test_riff_that_is_not_webp_is_not_an_image() -> None:
    assert images.sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


@pytest.mark.parametrize(
    ("declared", "size", "code"),
    [("image/svg+xml", 10, "unsupported_type"), ("image/png", 0, "empty"),
     ("image/png", LIMIT + 1, "too_large"), ("image/png", 11, "size_mismatch")],
)  # fmt: skip
def test_checks_that_need_no_bytes(declared: str, size: int, code: str) -> None:
    with pytest.raises(images.Rejected) as refused:
        images.check_declared(declared, size, 10 if code == "size_mismatch" else size, LIMIT)

    assert refused.value.code == code
    assert refused.value.reason.endswith(".")


def test_an_image_just_over_the_pixel_limit_is_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 6500)).save(out, "PNG")  # 52 megapixels, a few kilobytes
    data = out.getvalue()

    with pytest.raises(images.Rejected) as refused:
        images.validate(data, "image/png", len(data), LIMIT)

    assert refused.value.code == "too_many_pixels"
    assert "8,000 x 6,500" in refused.value.reason


def test_a_jpeg_whose_tail_is_missing_is_truncated() -> None:
    data = made.truncated_jpeg()

    with pytest.raises(images.Rejected) as refused:
        images.validate(data, "image/jpeg", len(data), LIMIT)

    assert refused.value.code == "truncated"


def test_metadata_of_an_image_without_exif_is_just_its_shape() -> None:
    assert images.extract(made.encoded("PNG")) == {
        "width": 64, "height": 48, "format": "PNG", "orientation": 1,
    }  # fmt: skip


def test_southern_and_western_coordinates_are_negative() -> None:
    gps = {1: "S", 2: (33.0, 51.0, 54.0), 3: "W", 4: (70.0, 40.0, 12.0)}

    assert images._gps(gps) == {"latitude": -33.865, "longitude": -70.67}


def test_renditions_fit_their_long_side_and_flatten_transparency() -> None:
    image = Image.new("RGBA", (2000, 1000), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")

    renditions = images.render(out.getvalue())

    sizes = {name: Image.open(io.BytesIO(data)).size for name, data in renditions.items()}
    assert sizes == {"thumbnail": (320, 160), "large": (1280, 640)}
    corner = Image.open(io.BytesIO(renditions["thumbnail"])).getpixel((0, 0))
    assert isinstance(corner, tuple) and min(corner) > 240, "transparent became white"


def test_a_camera_sized_jpeg_renders_upright_as_sharp_as_from_every_pixel() -> None:
    # given: a 3200 x 2600 JPEG stored sideways (orientation 6), big enough that the
    # decoder is asked for a half-scale image
    picture = Image.effect_noise((3200, 2600), 30).convert("RGB")
    picture.paste((220, 30, 30), (0, 0, 1600, 2600))  # left half red, as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, quality=92)

    renditions = images.render(out.getvalue())

    large = Image.open(io.BytesIO(renditions["large"]))
    thumbnail = Image.open(io.BytesIO(renditions["thumbnail"]))
    assert (large.size, thumbnail.size) == ((1040, 1280), (260, 320))
    top = large.getpixel((520, 10))
    assert isinstance(top, tuple) and top[0] > 150 > top[2], "stored left is shown on top"
    reference = picture.rotate(-90, expand=True)  # orientation 6: a quarter turn clockwise
    reference.thumbnail((1280, 1280), Image.Resampling.LANCZOS)
    difference = ImageChops.difference(large.convert("RGB"), reference)
    mean = sum(ImageStat.Stat(difference).mean) / 3
    assert mean < 6, f"renders {mean:.1f} levels away from a full decode"


def test_keys_are_built_from_ids_and_only_originals_parse() -> None:
    photo_id = uuid4()

    assert parse_original_key(original_key("alice", photo_id)) == ("alice", photo_id)
    assert parse_original_key(rendition_key("alice", photo_id, "thumbnail")) is None
    assert parse_original_key(f"originals/alice/x/{photo_id}") is None
    assert parse_original_key("originals/alice/not-an-id") is None

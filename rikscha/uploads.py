"""Photos: checked by content, re-encoded without metadata, stored outside static/."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from rikscha.domain import DomainError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Pillow format name → file extension; nothing else is accepted, whatever the file is called.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Decompression bombs: a small file that would expand to a huge bitmap.
MAX_PIXELS = 40_000_000


class PhotoRejected(DomainError):
    code = "photo_invalid"
    field = "photo"


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_photo(stream) -> str:
    """Validate and store an uploaded photo; return its generated file name.

    The image is decoded and saved again, which drops EXIF (location!) and any other metadata
    and anything hidden after the image data.
    """
    data = stream.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRejected("photo_too_large")
    if not data:
        raise PhotoRejected("photo_empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            if image_format not in ALLOWED_FORMATS:
                raise PhotoRejected("photo_wrong_type")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoRejected("photo_too_large")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            # A new image from the pixels alone: no EXIF, XMP, ICC or comments survive.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            if image.mode == "P" and image.getpalette():
                clean.putpalette(image.getpalette())
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise PhotoRejected("photo_wrong_type") from error
    name = f"{secrets.token_hex(16)}.{ALLOWED_FORMATS[image_format]}"
    options = {"quality": 85} if image_format in ("JPEG", "WEBP") else {}
    if image_format == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(upload_dir() / name, format=image_format, **options)
    return name


def photo_path(name: str) -> Path | None:
    """The stored file for a generated name; None for anything that isn't one of ours."""
    stem, _, extension = name.partition(".")
    if (
        len(stem) != 32
        or not all(c in "0123456789abcdef" for c in stem)
        or extension not in ALLOWED_FORMATS.values()
    ):
        return None
    path = upload_dir() / name
    return path if path.is_file() else None


def delete_photo(name: str | None) -> None:
    if name and (path := photo_path(name)) is not None:
        path.unlink(missing_ok=True)

"""Photo uploads: content checks, size limit, metadata removed."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from PIL import Image

from rikscha.uploads import MAX_PHOTO_BYTES, PhotoRejected, photo_path, store_photo


@pytest.fixture
def upload_app(tmp_path):
    app = Flask(__name__)
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    with app.app_context():
        yield tmp_path


def _image_bytes(fmt: str, exif: bool = False) -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    out = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "Kamera GmbH"  # Make
        data[0x8825] = {1: "N", 2: (51.0, 20.0, 0.0)}  # GPS info
        options["exif"] = data.tobytes()
    image.save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_stored_without_metadata(upload_app, fmt):
    name = store_photo(io.BytesIO(_image_bytes(fmt, exif=True)))
    stored = photo_path(name)
    assert stored is not None and stored.parent == upload_app
    with Image.open(stored) as image:
        assert image.format == fmt
        assert not image.getexif()
        assert "exif" not in image.info


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a" + b"\x00" * 100, "photo_wrong_type"),
        (b"%PDF-1.4 not an image", "photo_wrong_type"),
        (b"\xff\xd8\xff\xe0 truncated jpeg", "photo_wrong_type"),
        (b"", "photo_empty"),
    ],
)
def test_rejected_content(upload_app, data, code):
    with pytest.raises(PhotoRejected) as error:
        store_photo(io.BytesIO(data))
    assert error.value.code == code
    assert list(upload_app.iterdir()) == []


def test_gif_with_image_extension_is_rejected(upload_app):
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    with pytest.raises(PhotoRejected):
        store_photo(io.BytesIO(out.getvalue()))


def test_too_large(upload_app):
    with pytest.raises(PhotoRejected) as error:
        store_photo(io.BytesIO(_image_bytes("PNG") + b"\x00" * MAX_PHOTO_BYTES))
    assert error.value.code == "photo_too_large"


@pytest.mark.parametrize("name", ["../secret.jpg", "abc.jpg", "a" * 32 + ".exe", "/etc/passwd"])
def test_photo_path_only_serves_generated_names(upload_app, name):
    assert photo_path(name) is None

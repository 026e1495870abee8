"""Builders shared by the quarter's integration tests (this module holds no tests of its own)."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

from PIL import Image

from rikscha.database import utcnow
from rikscha.extensions import db

_n = itertools.count(1)


def make_area(*, caretakers=(), **overrides):
    from rikscha.quarter.services import save_area

    values = {"name": f"Revier {next(_n)}", "kind": "playground", "location": "Lindenstraße"}
    values.update(overrides)
    return save_area(None, by=None, caretaker_ids=[db.session.merge(p).id for p in caretakers], **values)


def office_today():
    """Today in the office's time zone, as the app counts due dates (inside an app context).
    Not the UTC date: the two differ for an hour or two around midnight."""
    from rikscha.quarter.rounds import local_today

    return local_today(utcnow())


def make_task(area, *, assignees=(), by=None, **overrides):
    from rikscha.quarter.services import create_task

    values = {"title": f"Aufgabe {next(_n)}", "category": "repair", "due_date": office_today()}
    values.update(overrides)
    return create_task(
        by=by,
        now=utcnow(),
        area=db.session.merge(area),
        assignee_ids=[db.session.merge(p).id for p in assignees],
        **values,
    )


def image_bytes(fmt: str = "PNG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 40)).save(out, format=fmt)
    return out.getvalue()


def too_big_png() -> bytes:
    """A valid PNG just over 5 MB (random pixels do not compress)."""
    import os

    side = 1400
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=0)
    data = out.getvalue()
    assert 5 * 1024 * 1024 < len(data) < 6 * 1024 * 1024, len(data)
    return data


def old_form_token(app, seconds: int = 10) -> str:
    """A genuine spam-trap token issued `seconds` ago (as if a person had filled in the form)."""
    from rikscha.quarter.spam import issue_form_token

    return issue_form_token(app.secret_key, utcnow() - timedelta(seconds=seconds))


def uploads(app) -> list:
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


def fetch(client, url: str):
    """GET a (file) response and close it at once, so no open file outlives the request."""
    with client.get(url) as response:
        response.get_data()
        return response


def multipart_post(client, url: str, fields: dict, files: list[tuple[str, str, bytes]]):
    """POST a multipart body built here (the test client would spool big uploads to an unclosed file)."""
    import uuid

    boundary = f"rikscha-{uuid.uuid4().hex}"
    parts = []
    for name, value in {"csrf_token": client.csrf_token(), **fields}.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode()
            )
    for name, filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return client.post(
        url, data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}", csrf=False
    )

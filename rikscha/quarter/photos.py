"""Photos of reports, tasks and work logs: stored for one change, served only to those allowed."""

from __future__ import annotations

from flask import abort, send_file

from rikscha.uploads import delete_photo, photo_path, store_photo

MIMETYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def chosen(uploads) -> list:
    """The uploads a person actually chose (browsers send an empty part for an empty file input)."""
    if uploads is None:
        return []
    if not isinstance(uploads, list | tuple):
        uploads = [uploads]
    return [u for u in uploads if u is not None and getattr(u, "filename", "")]


class PhotoBatch:
    """Photos stored while handling one request; deleted again if the block fails.

    Use around the service call *and* the commit, so that nothing is half-saved:

        with PhotoBatch() as batch:
            log_work(..., photos=batch.store_all(form.photos.data))
            db.session.commit()
    """

    def __init__(self) -> None:
        self.names: list[str] = []

    def store(self, upload) -> str | None:
        uploads = chosen(upload)
        if not uploads:
            return None
        name = store_photo(uploads[0].stream)
        self.names.append(name)
        return name

    def store_all(self, uploads) -> list[str]:
        return [self.store(upload) for upload in chosen(uploads)]

    def __enter__(self) -> PhotoBatch:
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is not None:
            for name in self.names:
                delete_photo(name)
            self.names.clear()
        return False


def send_photo(name: str | None):
    """The stored photo as a private, uncached response; 404 if there is none."""
    path = photo_path(name) if name else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=MIMETYPES[path.suffix.lstrip(".")], max_age=0, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response

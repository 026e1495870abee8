"""QR codes as SVG, made on the server (no outside service sees which area is meant)."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, *, title: str = "", scale: int = 8) -> str:
    """An SVG QR code for `url` (error correction M: still readable when a poster gets dirty)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        scale=scale,
        border=4,
        xmldecl=False,
        title=title or None,
        dark="#000000",
        light="#ffffff",
    )
    return out.getvalue().decode("utf-8")

"""QR codes for the area posters: SVG made locally, deterministic, with an escaped title."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rikscha.quarter.qr import qr_svg

URL = "https://rikscha.example.org/quartier/melden?revier=12"


def test_qr_code_is_svg_with_title():
    svg = qr_svg(URL, title="Meldung für <Spielplatz> & Co")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Meldung für <Spielplatz> & Co"
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_qr_code_is_deterministic_and_depends_on_the_url():
    assert qr_svg(URL) == qr_svg(URL)
    assert qr_svg(URL) != qr_svg(URL.replace("12", "13"))

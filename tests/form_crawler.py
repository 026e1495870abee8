"""Walk the app as a signed-in person: every page reachable by links, and every form on them.

Used to send each form field values nobody types (tests/integration/test_form_fuzz_integration.py).
Forms that differ only in the ids of their action (one per row of a list) count once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

SKIPPED_PATHS = ("/static/", "/abmelden")


@dataclass
class FoundForm:
    page: str  # where it was found
    action: str  # path and query
    method: str  # "get" or "post"
    defaults: dict[str, str] = field(default_factory=dict)  # what a browser would send unchanged
    names: list[str] = field(default_factory=list)  # every field a person can fill in or choose

    @property
    def kind(self) -> tuple:
        return self.method, re.sub(r"\d+", "N", urlsplit(self.action).path), tuple(sorted(self.names))


class _PageParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.links, self.forms = page, [], []
        self._form: FoundForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = _local(self.page, a.get("action") or self.page)
            self._form = FoundForm(self.page, action, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is not None:
            self._field(tag, a)

    def _field(self, tag: str, a: dict) -> None:
        name = a.get("name")
        if tag == "option" and self._select is not None:
            if "selected" in a or self._select not in self._form.defaults:
                self._form.defaults[self._select] = a.get("value", "")
            return
        if not name:
            return
        kind = a.get("type", "text")
        if tag == "input" and kind in ("submit", "image", "reset"):
            return
        if name != "csrf_token" and name not in self._form.names:
            self._form.names.append(name)
        if tag == "select":
            self._select = name
        elif tag == "textarea":
            self._form.defaults.setdefault(name, "")
        elif kind not in ("checkbox", "radio") or "checked" in a:
            self._form.defaults.setdefault(name, a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _local(page: str, href: str) -> str | None:
    """The path and query of a link within the app, or None for anything else."""
    url = urlsplit(urljoin("http://localhost" + page, href))
    if url.scheme != "http" or url.netloc != "localhost" or url.path.startswith(SKIPPED_PATHS):
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def crawl(client, start: str = "/", most_pages: int = 400) -> tuple[list[str], list[FoundForm]]:
    """The pages reachable from `start` (one per path pattern and query names) and their forms."""
    seen, queue, pages, forms = set(), [start], [], []
    while queue and len(pages) < most_pages:
        url = queue.pop(0)
        split = urlsplit(url)
        pattern = (re.sub(r"\d+", "N", split.path), tuple(sorted(re.findall(r"([^&=]+)=", split.query))))
        if pattern in seen:
            continue
        seen.add(pattern)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages.append(url)
        parser = _PageParser(url)
        parser.feed(response.get_data(as_text=True))
        queue.extend(link for link in map(lambda href: _local(url, href), parser.links) if link)
        forms.extend(form for form in parser.forms if form.action)
    return pages, forms


def distinct(forms: list[FoundForm]) -> list[FoundForm]:
    kinds, kept = set(), []
    for form in forms:
        if form.kind not in kinds:
            kinds.add(form.kind)
            kept.append(form)
    return kept

"""HTML to PDF with WeasyPrint, for attachments: only the package's own files, never the network.

The page is rendered as it prints (``media_type="print"``), so the print stylesheet applies. Its
stylesheets and images are asked for by URL; ``LocalFiles`` answers ``/static/…`` from the
package's static folder and refuses everything else (another host, ``file:``, ``data:``), so
rendering a page can never reach out, whatever the page links to.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint warns of every CSS rule it does not support (the NHS.UK stylesheet has many):
# noise in the app's log, never a problem with the PDF.
logging.getLogger("weasyprint").setLevel(logging.ERROR)

#: The package's static folder (served by the web app at /static/).
STATIC = Path(__file__).resolve().parents[1] / "static"
#: The made-up address the page's relative links resolve against: never fetched.
BASE_URL = "https://assetmap.invalid/"


class LocalFiles(URLFetcher):  # type: ignore[misc]
    """WeasyPrint's fetcher for ``BASE_URL/static/…`` only, from ``static``."""

    def __init__(self, static: Path = STATIC) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.static = static.resolve()

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = self.local_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def local_path(self, url: str) -> Path:
        """The file behind ``url``; ValueError for anything not under /static/."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith("/static/"):
            raise ValueError("only the app's own /static/ files are fetched")
        path = (self.static / unquote(parts.path.removeprefix("/static/"))).resolve()
        if not path.is_relative_to(self.static) or not path.is_file():
            raise ValueError("no such static file")
        return path


def html_to_pdf(html: str, *, static: Path = STATIC) -> bytes:
    """The PDF of ``html`` as it prints, with its /static/ stylesheets."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=LocalFiles(static))
    pdf = document.write_pdf()
    assert pdf is not None  # no target given: the bytes come back
    return bytes(pdf)

"""HTML to PDF for attachments: the package's /static/ files only, never the network."""

from __future__ import annotations

import io

import pypdf
import pytest

from assetmap.outbox.pdf import BASE_URL, STATIC, LocalFiles, html_to_pdf


def test_a_page_becomes_a_pdf_with_its_text():
    pdf = html_to_pdf(
        '<html><head><link rel="stylesheet" href="/static/css/assetmap.css"></head>'
        "<body><h1>Groups to try</h1><p>Knit &amp; Natter</p></body></html>"
    )
    assert pdf.startswith(b"%PDF")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Groups to try" in text and "Knit & Natter" in text


def test_static_files_are_served_from_the_package():
    response = LocalFiles().fetch(f"{BASE_URL}static/css/assetmap.css")
    assert response.read() == (STATIC / "css" / "assetmap.css").read_bytes()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/static/css/assetmap.css",
        "http://assetmap.invalid/static/css/assetmap.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        f"{BASE_URL}static/../../pyproject.toml",
        f"{BASE_URL}static/%2e%2e/%2e%2e/pyproject.toml",
        f"{BASE_URL}assets/x.png",
        f"{BASE_URL}static/no-such-file.css",
    ],
)
def test_anything_else_is_refused(url):
    with pytest.raises(ValueError):
        LocalFiles().fetch(url)


def test_a_page_that_links_elsewhere_still_renders_without_going_there(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("rendering tried the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    pdf = html_to_pdf(
        '<link rel="stylesheet" href="https://example.org/x.css">'
        '<img src="http://example.org/x.png"><p>Still here</p>'
    )
    assert "Still here" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

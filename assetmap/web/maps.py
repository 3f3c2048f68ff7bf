"""Maps built with folium, loading Leaflet from our own static folder instead of CDNs.

The page's Content-Security-Policy allows no inline script or style without this request's
nonce (security.py), so every ``<script>`` and ``<style>`` element a map puts in a page is
emitted here, carrying it: the part that builds the map is folium's own script, whole.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import folium
from flask import url_for
from markupsafe import Markup

from assetmap.config import Config
from assetmap.web.security import csp_nonce

# Opening tags of the elements CSP checks against a nonce. folium's markup is ours (no user
# text reaches a map), so a pattern over it is enough.
_NONCED_TAG = re.compile(r"<(script|style)\b(?![^>]*\bnonce=)", re.IGNORECASE)


class LocalMap(folium.Map):
    """A folium map whose scripts and styles are the ones `make install` put in static/."""

    # folium's defaults come from CDNs and include jQuery and Bootstrap, which we don't use.
    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


@dataclass(frozen=True)
class MapParts:
    """The three pieces of a folium map to place in a page, as markup: ``header`` (the script
    and stylesheet links, for <head>), ``html`` (the map's element) and ``script`` (a whole
    <script> element that builds the map, carrying the request's CSP nonce)."""

    name: str
    header: Markup
    html: Markup
    script: Markup


def _vendor(path: str) -> str:
    return url_for("static", filename=f"vendor/{path}")


def build_map(
    config: Config, centre: tuple[float, float], zoom: int, marker: bool = False
) -> MapParts:
    """A map around ``centre``; no user text goes into it (markers are added by map.js).

    folium builds and compiles a dozen Jinja templates for every map (3–5 ms a page), and
    its markup depends only on the arguments, so it is built once per process for each;
    only the request's CSP nonce is put in per request."""
    name, header, html, script = _map_markup(
        config.tile_url,
        config.tile_attribution,
        (float(centre[0]), float(centre[1])),
        zoom,
        marker,
        _vendor(""),
    )
    nonce = csp_nonce()
    return MapParts(
        name=name,
        header=_with_nonce(header, nonce),
        html=_with_nonce(html, nonce),
        script=_with_nonce(script, nonce),
    )


@functools.lru_cache(maxsize=256)
def _map_markup(
    tile_url: str | None,
    tile_attribution: str | None,
    centre: tuple[float, float],
    zoom: int,
    marker: bool,
    vendor: str,
) -> tuple[str, str, str, str]:
    """folium's markup for one map, without nonces: (name, header, html, script)."""
    fmap = LocalMap(
        location=list(centre),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        width="100%",
        height="100%",
    )
    # Read when the map renders; set per map, from the static folder's URL for this app.
    fmap.default_js = [
        ("leaflet", f"{vendor}leaflet/leaflet.js"),
        ("markercluster", f"{vendor}markercluster/leaflet.markercluster.js"),
    ]
    fmap.default_css = [
        ("leaflet_css", f"{vendor}leaflet/leaflet.css"),
        ("markercluster_css", f"{vendor}markercluster/MarkerCluster.css"),
        ("markercluster_default_css", f"{vendor}markercluster/MarkerCluster.Default.css"),
    ]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="map", max_zoom=19).add_to(
            fmap
        )
    if marker:
        folium.Marker(location=list(centre)).add_to(fmap)
    root: Any = fmap.get_root()  # a branca Figure: header, html and script parts
    root.render()
    # Only the map's own scripts and styles go into our <head>: folium's page header also
    # disables pinch zoom (a WCAG failure) and restyles <html> and <body>.
    header = "\n".join(
        [f'<script src="{src}"></script>' for _, src in fmap.default_js]
        + [f'<link rel="stylesheet" href="{href}">' for _, href in fmap.default_css]
    )
    return fmap.get_name(), header, root.html.render(), f"<script>{root.script.render()}</script>"


def _with_nonce(markup: str, nonce: str) -> Markup:
    """``markup`` with the nonce on every <script> and <style> element in it."""
    return Markup(_NONCED_TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"', markup))

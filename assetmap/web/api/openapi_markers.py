"""The OpenAPI description of ``view=markers``: the map's lean form of a page of listings."""

from __future__ import annotations

from typing import Any

from assetmap.models import Status
from assetmap.verification.policy import Freshness
from assetmap.web.api.openapi_parts import BOOL, INT, NUM, STR, nullable, object_schema
from assetmap.web.params import VIEWS

VIEW_PARAMETER = {
    "name": "view",
    "in": "query",
    "required": False,
    "description": "`full` (default): whole listings. `markers`: what a map needs to draw "
    "each group (id, point, name, status, freshness, very_stale, and distance_m with near), "
    "about 200 bytes a group. A page of markers gives numberMatched only when it is not "
    "full (a full page has a `next` link instead): counting every group in a dense "
    "viewport is what a map must not wait for. The listing itself is GET /groups/{id}",
    "schema": {"type": "string", "enum": list(VIEWS), "default": "full"},
}


def marker_schemas() -> dict[str, Any]:
    point = object_schema(
        {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "items": NUM, "minItems": 2, "maxItems": 2},
        }
    )
    marker = object_schema(
        {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": INT,
            "geometry": nullable(point),
            "properties": object_schema(
                {
                    "name": STR,
                    "status": {"type": "string", "enum": [s.value for s in Status]},
                    "freshness": {"type": "string", "enum": [f.value for f in Freshness]},
                    "very_stale": BOOL,
                    "distance_m": {
                        "type": "integer",
                        "description": "metres from the search centre (only with near)",
                    },
                },
                ["name", "status", "freshness", "very_stale"],
            ),
        },
        ["type", "id", "geometry", "properties"],
    )
    collection = object_schema(
        {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "numberMatched": {
                "type": "integer",
                "description": "given only when the page is not full",
            },
            "numberReturned": INT,
            "links": {
                "type": "array",
                "items": object_schema({"rel": STR, "type": STR, "href": STR}),
            },
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/Marker"}},
        },
        ["type", "numberReturned", "features"],
    )
    return {"Marker": marker, "MarkerCollection": collection}

"""The gap-analysis part of the OpenAPI description: /gaps and /gaps/what-if, and their schemas.

Apart from ``openapi`` so that module stays one readable size. The enumerations come from the
domain (the ready-made questions, targets, ``when`` values, modes, access needs, categories),
and every parameter and every column of an area has its meaning here: a parameter or a column
the domain gains without one fails to build the document, so the description cannot drift.
"""

from __future__ import annotations

from typing import Any

from assetmap.gaps.export import COLUMNS
from assetmap.gaps.profile import READY_MADE, Target
from assetmap.gaps.requests import DEFAULT_QUESTION, MAX_MINUTES, PARAMETERS, WHEN
from assetmap.geo.journeys import PERSON_MODES
from assetmap.models import ACCESSIBILITY_FLAGS, Category, Gender
from assetmap.web.api.gaps import FORMATS, MAX_PLACES, TOP
from assetmap.web.api.openapi_parts import INT, NUM, STR, nullable, object_schema, ref


def _choice(values: list[str], default: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": values}
    if default is not None:
        schema["default"] = default
    return schema


def _repeatable(values: list[str]) -> dict[str, Any]:
    return {"type": "array", "items": _choice(values)}


def _question_parameters() -> list[dict[str, Any]]:
    """Each question parameter with its meaning and schema (repeatable ones are arrays)."""
    described: dict[str, tuple[str, dict[str, Any]]] = {
        "question": (
            "the ready-made question to start from; every other part given replaces its part",
            _choice(list(READY_MADE), DEFAULT_QUESTION),
        ),
        "category": (
            "kinds of group that fit (any of them); repeat for more; given empty: any kind",
            _repeatable([c.value for c in Category]),
        ),
        "interests": (
            "interests that fit (any of them), comma-separated or repeated",
            {"type": "array", "items": STR},
        ),
        "needs": (
            "access needs the venue must be known to meet; repeat for more; given empty: none. "
            "A venue whose answer is not known is counted apart, never as meeting the need",
            _repeatable(list(ACCESSIBILITY_FLAGS)),
        ),
        "modes": (
            "how people travel; repeat for more",
            _repeatable([m.value for m in PERSON_MODES]),
        ),
        "minutes": (
            "the most minutes of travel to a group",
            {**INT, "minimum": 1, "maximum": MAX_MINUTES},
        ),
        "when": ("when groups must meet (evenings: from 17:00)", _choice(list(WHEN))),
        "support": (
            "the support a group must give: 1 none extra … 3 complex needs",
            {**INT, "enum": [1, 2, 3]},
        ),
        "audience": (
            "groups for this gender only (men's groups); any: all groups",
            _choice([g.value for g in Gender]),
        ),
        "target": (
            "whose need is measured: everyone, people 65+ or 75+, or disabled residents",
            _choice([t.value for t in Target]),
        ),
    }
    if set(described) != set(PARAMETERS):
        raise RuntimeError(f"describe the gap parameters {set(PARAMETERS) ^ set(described)}")
    parameters = []
    for name in PARAMETERS:
        description, schema = described[name]
        parameter = {"name": name, "in": "query", "required": False, "schema": schema}
        parameter["description"] = description
        if schema.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


#: What each column of an area means (``export.COLUMNS``: the CSV header, the GeoJSON properties).
COLUMN_MEANINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "code": ("the area's code (an ONS code such as E01000842)", STR),
    "name": ("the area's name", STR),
    "gap_score": (
        "0 to 100, higher is a bigger gap: the people left without a fitting group in reach, "
        "relative to the area with the most target people; null when its people are not known",
        nullable(NUM),
    ),
    "people": ("target people living in the area; null when not known", nullable(NUM)),
    "groups_in_reach": ("fitting groups within the budget of any of its postcodes", INT),
    "not_known_in_reach": (
        "groups within reach whose fit is not known (an access answer or session times missing)",
        INT,
    ),
    "nearest_minutes": (
        "minutes to the nearest fitting group, the mean over its people; null: none reachable",
        nullable(NUM),
    ),
    "nearest_minutes_worst": (
        "the same for its worst-placed postcode; null when one has no way to any",
        nullable(NUM),
    ),
    "places_per_1000": ("places per 1,000 target people (E2SFCA, Luo & Qi 2009)", NUM),
    "coverage": ("share of target people with at least one fitting group in reach", NUM),
    "coverage_choice": ("share with at least three fitting groups in reach", NUM),
    "unmet_needs": (
        'unmet needs recorded in the area in the last year; counts under 5 are given as "<5"',
        {"oneOf": [INT, {**STR, "enum": ["<5"]}]},
    ),
    "waiting_list": ("people waiting for fitting groups that meet in the area", INT),
    "imd_decile": (
        "Index of Multiple Deprivation decile, 1 the most deprived tenth; null when not known",
        nullable(INT),
    ),
}


def _area_schema() -> dict[str, Any]:
    if set(COLUMN_MEANINGS) != set(COLUMNS):
        raise RuntimeError(f"describe the gap columns {set(COLUMNS) ^ set(COLUMN_MEANINGS)}")
    properties = {}
    for column in COLUMNS:
        description, schema = COLUMN_MEANINGS[column]
        properties[column] = {**schema, "description": description}
    schema = object_schema(properties, list(COLUMNS))
    schema["description"] = "one area's figures (the CSV has the same columns, in this order)"
    return schema


def _outline_schema() -> dict[str, Any]:
    return nullable(
        object_schema(
            {
                "type": _choice(["Polygon", "MultiPolygon"]),
                "coordinates": {"type": "array", "items": {"type": "array", "items": {}}},
            }
        )
    )


def _collection_schema() -> dict[str, Any]:
    feature = object_schema(
        {
            "type": _choice(["Feature"]),
            "geometry": _outline_schema(),
            "properties": ref("GapArea"),
        },
        ["type", "geometry", "properties"],
    )
    return object_schema(
        {
            "type": _choice(["FeatureCollection"]),
            "question": {**STR, "description": "the question in words"},
            "ready_made": _choice(list(READY_MADE)),
            "target": _choice([t.value for t in Target]),
            "basis": {
                **_choice(["areas", "postcodes"]),
                "description": "areas: the loaded small areas; postcodes: none are loaded, so "
                "H3 hexagons of postcodes",
            },
            "groups_fitting": INT,
            "groups_not_known": INT,
            "people": {**NUM, "description": "target people in all areas"},
            "attribution": {
                "type": "array",
                "items": STR,
                "description": "lines to show with the figures (only when the areas are the "
                "Camden demo's open data)",
            },
            "features": {"type": "array", "items": feature},
        },
        [
            "type",
            "question",
            "ready_made",
            "target",
            "basis",
            "groups_fitting",
            "groups_not_known",
            "people",
            "features",
        ],
    )


def _what_if_schema() -> dict[str, Any]:
    unit = {**NUM, "minimum": 0, "maximum": 1}
    change = object_schema(
        {
            "code": STR,
            "name": STR,
            "gap_before": nullable(NUM),
            "gap_after": nullable(NUM),
            "coverage_before": unit,
            "coverage_after": unit,
        }
    )
    return object_schema(
        {
            "question": STR,
            "ready_made": _choice(list(READY_MADE)),
            "people_reached": {**NUM, "description": "target people the new group would reach"},
            "share_reached": {**unit, "description": "as a share of all target people"},
            "newly_covered": {**NUM, "description": "of them, people with no fitting group before"},
            "changes": {
                "type": "array",
                "items": change,
                "description": f"the {TOP} worst areas before, with their figures after",
            },
            "top_after": {
                "type": "array",
                "items": ref("GapArea"),
                "description": f"the {TOP} worst areas with the new group",
            },
        }
    )


def _responses(ok: dict[str, Any]) -> dict[str, Any]:
    def error(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": ref("Error")}},
        }

    return {
        "200": ok,
        "400": error("a parameter is not valid; `field` names it"),
        "401": error("no valid API token"),
        "403": error("the token is not a community builder's or an admin's"),
    }


ACCESS = (
    "Needs the API token of a community builder or an admin: the figures are aggregates of "
    "public data, but the unmet-need counts come from link workers' searches."
)


def _point(name: str, low: float, high: float, required: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {**NUM, "minimum": low, "maximum": high}
    if not required:
        schema["default"] = 1
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _gaps_path(question: list[dict[str, Any]]) -> dict[str, Any]:
    fmt = {
        "name": "format",
        "in": "query",
        "required": False,
        "description": "geojson: the areas' outlines and figures; csv: a file of the figures",
        "schema": _choice(list(FORMATS), "geojson"),
    }
    csv_file = {
        **STR,
        "description": "a header of the GapArea columns, then one row per area "
        "(gaps-<question>.csv)",
    }
    return {
        "get": {
            "summary": "Where people cannot reach provision that fits a need",
            "description": f"{ACCESS} Every area's figures, biggest gap first.",
            "operationId": "gaps",
            "security": [{"token": []}],
            "parameters": [*question, fmt],
            "responses": _responses(
                {
                    "description": "the areas, biggest gap first",
                    "content": {
                        "application/geo+json": {"schema": ref("GapFeatureCollection")},
                        "text/csv": {"schema": csv_file},
                    },
                }
            ),
        }
    }


def _what_if_path(question: list[dict[str, Any]]) -> dict[str, Any]:
    places = {
        **_point("places", 1, MAX_PLACES, required=False),
        "description": "its places (default 1)",
    }
    return {
        "get": {
            "summary": "What one new fitting group at a point would change",
            "description": f"{ACCESS} The group is taken to fit the question.",
            "operationId": "gapsWhatIf",
            "security": [{"token": []}],
            "parameters": [_point("lat", -90, 90), _point("lon", -180, 180), places, *question],
            "responses": _responses(
                {
                    "description": "whom it would reach, and the worst areas before and after",
                    "content": {"application/json": {"schema": ref("GapWhatIf")}},
                }
            ),
        }
    }


def gaps_paths() -> dict[str, Any]:
    """The two gap paths, keyed as in the document's ``paths``."""
    question = _question_parameters()
    return {"/gaps": _gaps_path(question), "/gaps/what-if": _what_if_path(question)}


def gaps_schemas() -> dict[str, Any]:
    """The gap schemas, keyed as in the document's ``components.schemas``."""
    return {
        "GapArea": _area_schema(),
        "GapFeatureCollection": _collection_schema(),
        "GapWhatIf": _what_if_schema(),
    }

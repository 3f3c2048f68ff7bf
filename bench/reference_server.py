"""The practical limit for a Python map API: stdlib threads, one query per request, GeoJSON.

    python -m bench.reference_server PORT POSTGRES_URL

``GET /groups?bbox=minlon,minlat,maxlon,maxlat&limit=N`` or ``?near=lat,lon&radius_km=R``:
a page of open groups (id, name, status, point) from ``groups`` joined to ``venues``, through
the spatial index. No validation beyond parsing, no count: what assetmap is measured against.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import psycopg

COLUMNS = (
    "SELECT g.id, g.name, g.status, v.lon, v.lat FROM groups g JOIN venues v ON v.id = g.venue_id"
)
BOX = "v.location && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND g.status <> 'closed'"
BBOX_SQL = f"{COLUMNS} WHERE {BOX} ORDER BY g.id LIMIT %s"
NEAR_SQL = (
    f"{COLUMNS} WHERE {BOX} AND ST_DWithin(v.location::geography, "
    "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s) "
    "ORDER BY v.location <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT %s"
)
local = threading.local()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as wrk and the timing loop expect
    disable_nagle_algorithm = True  # else headers and body wait 40 ms for a delayed ACK

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        limit = int(query.get("limit", ["100"])[0])
        if not hasattr(local, "db"):
            local.db = psycopg.connect(self.server.dsn, autocommit=True)  # type: ignore[attr-defined]
        if "near" in query:
            lat, lon = map(float, query["near"][0].split(","))
            metres = float(query.get("radius_km", ["1"])[0]) * 1000
            dlat, dlon = metres / 111_000, metres / 69_000  # a box round the circle (UK)
            box = (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
            rows = local.db.execute(NEAR_SQL, (*box, lon, lat, metres, lon, lat, limit))
        else:
            box = tuple(map(float, query["bbox"][0].split(",")))
            rows = local.db.execute(BBOX_SQL, (*box, limit))
        features = [
            {
                "type": "Feature",
                "id": row[0],
                "geometry": {"type": "Point", "coordinates": [row[3], row[4]]},
                "properties": {"name": row[1], "status": row[2]},
            }
            for row in rows
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.dsn = sys.argv[2]  # type: ignore[attr-defined]
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()

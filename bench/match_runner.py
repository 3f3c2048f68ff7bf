"""Answer match requests in a process of its own, on whichever ``assetmap`` is importable.

    PYTHONPATH=<tree> python bench/match_runner.py URL [--read-only]

Started by ``bench.matching`` once for this tree and (``--match-before``) once for a
checkout of the code before a change, each on its own copy of the same data, and asked the
same requests in turn, so that both are measured side by side (a busy machine slows both
alike). It only calls what the match endpoint calls (``parse_match_request``, ``run_match``,
``result_json``), which both trees have. Each line in is a JSON request body; each line out
is JSON: the time in ms, what was considered, and the top results as (id, score).
With ``--read-only`` it writes nothing (an uncounted match records nothing, and the unmet-need
rows are not cleared at the end), for a shared database that must not change.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sys
import time
from typing import Any

from sqlalchemy import delete

from assetmap.config import Config
from assetmap.db import Database
from assetmap.geo.geocoders import geocoder_for
from assetmap.geo.travel import travel_provider_for
from assetmap.matching.requests import parse_match_request
from assetmap.matching.service import MatchDeps, run_match
from assetmap.models import UnmetNeed
from assetmap.verification.policy import FreshnessPolicy
from assetmap.web.api.match import result_json


def serve(url: str, read_only: bool = False) -> None:
    config = Config(database_url=url, secret_key="bench", tile_url="")
    database = Database(config)
    policy, travel = FreshnessPolicy.from_config(config), travel_provider_for(config)

    def ask(body: dict[str, Any]) -> dict[str, Any]:
        with database.sessions() as session:
            deps = MatchDeps(
                backend=database.backend,
                policy=policy,
                travel=travel,
                geocoder=geocoder_for(config, session),
                max_pickup_radius_km=config.max_pickup_radius_km,
            )
            matched = run_match(session, parse_match_request(body), deps, dt.date.today())
            answer = result_json(matched.result)
            json.dumps(answer)  # the endpoint's serialisation, timed with the rest
            return answer

    # As `assetmap serve`'s workers do once their app is loaded (``settle_heap``): what the
    # process built is left out of the garbage collector's full collections. Both trees of a
    # side-by-side run are run by this file, so both are measured so.
    gc.freeze()
    for line in sys.stdin:
        start = time.perf_counter_ns()
        answer = ask(json.loads(line))
        elapsed = (time.perf_counter_ns() - start) / 1e6
        reply = {
            "ms": elapsed,
            "considered": answer["considered"],
            "results": len(answer["results"]),
            "top": [[r["group"]["id"], r["score"]] for r in answer["results"]],
        }
        print(json.dumps(reply), flush=True)
    if not read_only:
        # The benchmark's searches are not demand: leave no unmet-need rows behind.
        with database.engine.begin() as connection:
            connection.execute(delete(UnmetNeed))
    database.dispose()


if __name__ == "__main__":
    serve(sys.argv[1], read_only="--read-only" in sys.argv[2:])

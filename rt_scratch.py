import importlib.util, json, datetime as dt
spec = importlib.util.spec_from_file_location("oruk_out", "/work/wt-oruk/assetmap/interop/oruk_out.py")
out = importlib.util.module_from_spec(spec); spec.loader.exec_module(out)
from assetmap.directory.contract import parse_listing
from assetmap.interop.oruk_in import read_oruk
from assetmap.interop.formats import ReadOptions
from assetmap.interop.load import _comparable
from tests.factories import listing
a = listing("Knit and Natter"); a["id"] = 1
b = listing("Men's Shed", at="NW1 7AA"); b["id"] = 2
b["schedule"] = [{"day":"tue","start":"10:00","end":"12:30","frequency":"fortnightly","from_date":"2026-09-01"},
                 {"day":"thu","start":"18:00","end":None,"frequency":"monthly","from_date":"2026-09-17"},
                 {"day":"fri","start":"18:00","end":None,"frequency":"other","from_date":None}]
b["cost"] = {"free": False, "amount_gbp": 2.0, "notes": "tea included"}
b["status"] = "waiting_list"
b["capacity"] = {"total_places": 20, "places_taken": 14, "waiting_list": 3, "complex_needs_places": None, "complexity_supported": None}
b["accessibility"]["notes"] = "Ramp at the back"
c = listing("Online chat"); c["id"] = 3; c["venue"] = None; c["online"] = True
for l in (a, b, c):
    parsed, _ = parse_listing(l)
    served = parsed.model_dump(mode="json")
    for e in served["schedule"]:
        e["start"] = e["start"][:5]; e["end"] = e["end"][:5] if e["end"] else None
    cap = served["capacity"]
    cap["spare_places"] = None if cap["total_places"] is None or cap["places_taken"] is None else cap["total_places"] - cap["places_taken"]
    svc = out.service_of(served)
    p = read_oruk(json.dumps([svc]).encode(), ReadOptions(source="x", today=dt.date(2026,12,2)))
    if p.problems: print("PROBLEMS", p.problems); continue
    back, probs = parse_listing(p.records[0].listing, venue_required=False)
    if probs: print("BACK PROBLEMS", probs); continue
    x, y = _comparable(parsed), _comparable(back)
    print(l["name"], {k: (x[k], y[k]) for k in x if x[k] != y[k]})
    print("   gaps", p.gaps)

"""Public transport by the timetable: GTFS feeds and a street network routed together.

``engine.py`` is the protocol any router implements (``ferrobus_engine.py`` is the first),
``window.py`` the departure window and its median and worst journey, ``itinerary.py`` the legs
and the sentence a person can follow. Feed import and the registry of feeds live beside them.
"""

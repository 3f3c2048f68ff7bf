"""Public transport by the timetable: GTFS feeds and a street network routed together.

``feeds`` reads and checks a GTFS zip and summarises it; ``registry`` keeps the feeds loaded
(copied into the instance folder, one ``transit_feeds`` row each), finds the ones covering a
place and warns when a day falls outside a feed's dates. ``engine`` is the protocol any router
implements (``ferrobus_engine`` is the first), ``window`` the departure window and its median
and worst journey, ``itinerary`` the legs and the sentence a person can follow.
"""

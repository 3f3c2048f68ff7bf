"""Journeys by public transport from real timetables.

``feeds`` reads and checks a GTFS zip and summarises it; ``registry`` keeps the feeds loaded
(copied into the instance folder, one ``transit_feeds`` row each), finds the ones covering a
place and warns when a day falls outside a feed's dates.
"""

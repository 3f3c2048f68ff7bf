"""Where things are and how long it takes to get there.

``interfaces`` holds the pluggable protocols (geocoder, travel-time provider, spatial dialect);
``journeys`` the journey rules every travel provider applies; ``travel`` and
``street_network`` the providers; ``geocoders``, ``gazetteer`` and ``postcodes`` turn places into
points; ``spatial`` writes the SQL where SpatiaLite and PostGIS differ; ``transit`` reads
and keeps the timetable feeds (GTFS) journeys by bus are planned over.
"""

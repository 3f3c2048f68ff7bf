"""The directory: listings in the listing contract, stored, searched, edited and moderated.

``contract`` (the listing contract: parse and write a listing), ``importing`` (bulk import
and save), ``edits`` (merge patches with history, merges after a stale save), ``moderation``
(changes that wait for an admin), ``queries`` (search, one listing, export), ``my_groups``
(an organiser's dashboard), ``documents`` (each listing's public document), ``reports``
(problem reports).
"""

"""The directory: listings in the listing contract, stored, searched, edited and moderated.

``contract`` rules: ``schemas`` (the listing contract: parse and write a listing),
``services`` (import), ``edits`` (merge patches with history), ``moderation`` (changes that wait
for an admin), ``queries`` (search and read), ``documents`` (each listing's public document),
``reports`` (problem reports), ``fuzzy`` (typo-tolerant text ranking).
"""

"""Referrals and follow-up: cases (a person, pseudonymously), referrals to groups and their
state machine, the places referrals take and hold, follow-up calls and wellbeing scores, and
the privacy rules that keep all of it minimal and deleted on time.

Sits beside ``freshness``: it uses the directory, accounts, outbox and geo, and matching and
gap analysis read from it (held places, paused groups, demand). It never imports Flask.
"""

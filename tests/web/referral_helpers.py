"""A referral made for the organiser's pages' tests: a link worker's case, referred to a group
of the Kentish Town Community Centre, its emailed link, and the people around it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from assetmap.accounts.users import create_user
from assetmap.db import Database
from assetmap.models import OutboxMessage
from assetmap.referrals.cases import open_case, parse_case
from assetmap.referrals.service import refer
from assetmap.web.context import referral_settings, set_clock
from tests.factories import listing

OURS, THEIRS = "Kentish Town Community Centre", "Gospel Oak Trust"
#: When the referral is sent: a Tuesday morning, UK winter time.
SENT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
NOTES = "lost her husband in the spring"
PERSONAL_NOT_FOR_ORGANISERS = (NOTES, "NS-0042", "NW5 1AA")


@dataclass
class Referred:
    token: str
    referral_id: int
    case_id: int
    ours: int
    theirs: int
    link_worker: int
    organiser: int
    other_organiser: int


def make_referral(database: Database, app: Flask, add_groups) -> Referred:
    """One referral to our group, sent at ``SENT``, with the app's clock pinned there."""
    ours, theirs = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=THEIRS),
    )
    set_clock(app, lambda: SENT)
    with app.app_context():
        settings = referral_settings()
    with database.session() as session:
        worker = create_user(session, "sam@scheme.example", "link_worker", name="Sam", team="N")
        organiser = create_user(
            session, "jo@ktcc.example", "organiser", name="Jo", organisations=[OURS]
        )
        other = create_user(
            session, "pat@go.example", "organiser", name="Pat", organisations=[THEIRS]
        )
        case = open_case(
            session,
            worker,
            parse_case(
                {
                    "reference": "NS-0042",
                    "initials": "J.S.",
                    "postcode": "NW5 1AA",
                    "contact_preference": "phone after 2pm",
                    "access_needs": "uses a walking frame",
                    "notes": NOTES,
                    "profile": {"postcode": "NW5 1AA", "complexity": 1},
                }
            ),
            SENT,
        )
        session.flush()
        referral = refer(session, worker, case.id, ours, SENT, settings).referral
        body = session.scalars(select(OutboxMessage.body)).one()
        ids = (referral.id, case.id, worker.id, organiser.id, other.id)
    token = body.split("/referral/")[1].split()[0]
    return Referred(token, *ids[:2], ours, theirs, *ids[2:])

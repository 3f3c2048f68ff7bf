"""Likely duplicate listings, queued for an admin to merge or keep apart (never merged here).

Imports bring the same group in twice: from two sources, under a new name, with a typo, with
the phone written another way. :func:`find_duplicates` looks for pairs that are probably one
group and queues them in ``duplicate_pairs`` with their reasons in words.

**The signals.**

- *Name*: rapidfuzz's ``token_sort_ratio`` (0-100) on folded names — lower case, no accents,
  "&" as "and", punctuation gone, and the words every listing uses ("group", "club", "the",
  "and", "for", ...) left out, so "Knit & Natter" and "Knit and Natter Group" are the same
  name, "Community Choir Camden" matches "Camden Community Choir", yet "Art Club for
  Children" stays apart from "Art Club" (extra words count against, unlike
  ``token_set_ratio``, which scores any subset 100).
- *Place*: the two venues are at most :data:`NEAR_M` (200 m) apart.
- *Contact*: the same phone (UK digits: "+44 (0)20 7946 0202" is "02079460202") or the same
  email (lower case). A phone or email on more than :data:`SHARED_CONTACT_LIMIT` listings is
  an organisation's switchboard or shared inbox, not a group's: it is no signal.
- *Days*: two listings that meet on different days — both schedules known with no day in
  common, or names that name different days ("Tuesday Art Club", "Thursday Art Club") — are
  two groups, whatever else they share.

**The rule.** One signal alone is never enough. A pair is queued when the names are close
(at least :data:`STRONG_NAME`) and the venues are near or the contact is the same, or when
the names are fairly close (at least :data:`FAIR_NAME`) and the venues are near *and* the
contact is the same; and never when they meet on different days. So a similar name far
apart, a shared switchboard, or two groups in one community centre with different names are
not queued. The thresholds were measured on ``tests/data/interop/duplicates.json``.

**Scale.** Nothing compares every listing with every other. Candidates come from two blocks:
pairs of venues within 200 m (one spatial self-join, through the R*Tree on SpatiaLite and the
GiST index on PostGIS) and listings sharing a normalised phone or email (one pass over the two
columns, hashed). Names are compared only within those pairs. A name alone never queues a
pair, so listings that only share a name word are not compared at all.

A pair kept apart or merged is never queued again; an open pair found again has its score and
reasons refreshed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, aliased

from assetmap.db import Backend, chunks, session_backend
from assetmap.geo.spatial import Point, circle_bbox, spatial_dialect
from assetmap.models import DuplicatePair, DuplicateStatus, Group, ScheduleEntry, Venue, table_of

#: Venues this close are "the same place" (a centre's two entrances, a geocoded postcode).
NEAR_M = 200.0
#: Names at least this alike (token_sort_ratio on folded names) count as the same name.
STRONG_NAME = 85
#: Names at least this alike count when the place and the contact agree as well.
FAIR_NAME = 70
#: A phone or email on more listings than this is a switchboard or a shared inbox.
SHARED_CONTACT_LIMIT = 3
#: Above this many new listings, one self-join over everything is cheaper than per-id look-ups.
WHOLE_TABLE_FROM = 2_000
CHUNK = 500

#: Words nearly every listing's name uses: they say nothing about which group it is.
_FILLER = frozenset(
    {"a", "an", "and", "the", "of", "for", "at", "in", "on", "with", "meet", "meetup"}
    | {"group", "groups", "club", "session", "sessions", "meeting", "weekly"}
)
_DAYS = {
    "monday": "mon",
    "mondays": "mon",
    "tuesday": "tue",
    "tuesdays": "tue",
    "wednesday": "wed",
    "wednesdays": "wed",
    "thursday": "thu",
    "thursdays": "thu",
    "friday": "fri",
    "fridays": "fri",
    "saturday": "sat",
    "saturdays": "sat",
    "sunday": "sun",
    "sundays": "sun",
}
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_EXTENSION = re.compile(r"(ext\.?|extension|x)\s*\d+\s*$", re.IGNORECASE)


def fold_name(name: str) -> str:
    """A name as compared: lower case, no accents or punctuation, "&" as "and", no filler."""
    text = name.lower().replace("&", " and ")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("'", "")
    return " ".join(w for w in _NOT_WORD.sub(" ", text).split() if w not in _FILLER)


def name_similarity(a: str, b: str) -> int:
    """How alike two names are, 0-100, on their folded forms (see the module)."""
    fa, fb = fold_name(a), fold_name(b)
    if not fa or not fb:
        return 0
    return round(fuzz.token_sort_ratio(fa, fb))


def normalise_phone(phone: str | None) -> str | None:
    """A UK phone as its national digits ("+44 (0)20 7946 0202" → "02079460202"), or None."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", _EXTENSION.sub("", phone.strip()))
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and len(digits) >= 12:
        digits = digits[2:]
    if digits and not digits.startswith("0"):
        digits = "0" + digits
    return digits if 10 <= len(digits) <= 11 else None


def normalise_email(email: str | None) -> str | None:
    text = (email or "").strip().lower()
    return text or None


def _name_days(folded: str) -> frozenset[str]:
    return frozenset(_DAYS[w] for w in folded.split() if w in _DAYS)


@dataclass(frozen=True)
class _Listing:
    """What a pair is judged on, worked out once per listing (not once per pair)."""

    id: int
    #: The folded name's words in order, for token_sort_ratio as a plain ratio.
    sorted_name: str
    name_days: frozenset[str]
    days: frozenset[str]

    @classmethod
    def of(cls, group_id: int, name: str, days: Iterable[str]) -> _Listing:
        folded = fold_name(name)
        return cls(group_id, " ".join(sorted(folded.split())), _name_days(folded), frozenset(days))


@dataclass(frozen=True)
class Judgement:
    """What the signals say about one pair, and whether it is queued."""

    name: int
    distance_m: float | None
    same_phone: bool
    same_email: bool
    different_days: bool

    @property
    def near(self) -> bool:
        return self.distance_m is not None and self.distance_m <= NEAR_M

    @property
    def same_contact(self) -> bool:
        return self.same_phone or self.same_email

    @property
    def likely(self) -> bool:
        if self.different_days:
            return False
        if self.name >= STRONG_NAME and (self.near or self.same_contact):
            return True
        return self.name >= FAIR_NAME and self.near and self.same_contact

    @property
    def score(self) -> float:
        """0-1: the name counts most; a near venue and a shared contact add to it."""
        place = 0.0
        if self.near and self.distance_m is not None:
            place = 0.25 * (1 - self.distance_m / (2 * NEAR_M))
        contact = 0.15 if self.same_contact else 0.0
        return round(min(1.0, 0.6 * self.name / 100 + place + contact), 3)

    @property
    def reasons(self) -> list[str]:
        out = [f"similar names ({self.name})"]
        if self.near and self.distance_m is not None:
            metres = round(self.distance_m)
            out.append("same venue" if metres == 0 else f"venues {metres} m apart")
        if self.same_phone:
            out.append("same phone")
        if self.same_email:
            out.append("same email")
        return out


@dataclass
class DuplicateRun:
    """What one run found: pairs newly queued, open pairs refreshed, pairs already decided."""

    queued: int = 0
    refreshed: int = 0
    already_decided: int = 0
    candidates: int = 0
    pair_ids: list[int] = field(default_factory=list)


# ---- candidates ------------------------------------------------------------------------


def _margins(session: Session) -> tuple[float, float]:
    """Degrees of latitude and longitude that hold NEAR_M at the venues' highest latitude."""
    top = session.scalar(select(func.max(func.abs(Venue.lat)))) or 0.0
    box = circle_bbox(Point(lat=float(top), lon=0.0), NEAR_M)
    return box.max_lat - float(top), box.max_lon


def _near_pairs(
    session: Session, backend: Backend, targets: Sequence[int] | None
) -> dict[tuple[int, int], float]:
    """Pairs of listings whose venues are within NEAR_M, with the distance: a spatial
    self-join, each venue's neighbours found through the spatial index."""
    dialect = spatial_dialect(backend)
    here, mine, theirs = aliased(Venue), aliased(Group), aliased(Group)
    dlat, dlon = _margins(session)
    distance = dialect.distance_m(here.lat.expression, here.lon.expression)
    statement = (
        select(mine.id, theirs.id, distance)
        .select_from(mine)
        .join(here, here.id == mine.venue_id)
        .join(
            Venue,
            dialect.venues_in_box(
                here.lon - dlon, here.lat - dlat, here.lon + dlon, here.lat + dlat
            ),
        )
        .join(theirs, theirs.venue_id == Venue.id)
        .where(distance <= NEAR_M)
    )
    found: dict[tuple[int, int], float] = {}
    if targets is None:
        for a, b, metres in session.execute(statement.where(mine.id < theirs.id)):
            found[(a, b)] = float(metres)
        return found
    for chunk in chunks(sorted(set(targets)), CHUNK):
        for a, b, metres in session.execute(
            statement.where(mine.id.in_(chunk), theirs.id != mine.id)
        ):
            found[(min(a, b), max(a, b))] = float(metres)
    return found


def _contact_pairs(
    session: Session, targets: set[int] | None
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Pairs sharing a normalised phone, and pairs sharing an email, leaving out contacts on
    more than SHARED_CONTACT_LIMIT listings. One pass over the two columns: there is no
    index on a normalised phone (the stored text varies in format), and a hash is O(n)."""
    phones: dict[str, list[int]] = defaultdict(list)
    emails: dict[str, list[int]] = defaultdict(list)
    rows = session.execute(
        select(Group.id, Group.contact_phone, Group.contact_email).where(
            (Group.contact_phone.is_not(None)) | (Group.contact_email.is_not(None))
        )
    )
    for group_id, phone, email in rows:
        if (p := normalise_phone(phone)) is not None:
            phones[p].append(group_id)
        if (e := normalise_email(email)) is not None:
            emails[e].append(group_id)

    def pairs(index: dict[str, list[int]]) -> set[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        for ids in index.values():
            if not 2 <= len(ids) <= SHARED_CONTACT_LIMIT:
                continue
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    if a != b and (targets is None or a in targets or b in targets):
                        out.add((min(a, b), max(a, b)))
        return out

    return pairs(phones), pairs(emails)


def _listings(session: Session, ids: Iterable[int]) -> dict[int, _Listing]:
    """The listings of the candidate pairs: by id lists, or one scan when they are many."""
    wanted = sorted(set(ids))
    days: dict[int, set[str]] = defaultdict(set)
    names: dict[int, str] = {}
    day_rows = select(ScheduleEntry.group_id, ScheduleEntry.day)
    name_rows = select(Group.id, Group.name)
    if len(wanted) > WHOLE_TABLE_FROM:
        batches = [(day_rows, name_rows)]
    else:
        batches = [
            (
                day_rows.where(ScheduleEntry.group_id.in_(chunk)),
                name_rows.where(Group.id.in_(chunk)),
            )
            for chunk in chunks(wanted, CHUNK)
        ]
    for day_statement, name_statement in batches:
        for group_id, day in session.execute(day_statement):
            days[group_id].add(str(getattr(day, "value", day)))
        names.update((row[0], row[1]) for row in session.execute(name_statement))
    return {i: _Listing.of(i, names[i], days.get(i, ())) for i in wanted if i in names}


def judge(
    a: _Listing, b: _Listing, distance_m: float | None, phone: bool, email: bool
) -> Judgement | None:
    """The pair's signals, or None when it cannot be queued (the cheap tests first: most
    candidates are neighbours with unrelated names)."""
    if not (a.sorted_name and b.sorted_name):
        return None
    # token_sort_ratio is the ratio of the sorted words, sorted here once per listing
    name = round(fuzz.ratio(a.sorted_name, b.sorted_name, score_cutoff=FAIR_NAME - 1))
    if name < FAIR_NAME:
        return None
    different_days = bool(a.name_days and b.name_days and a.name_days != b.name_days) or bool(
        a.days and b.days and not (a.days & b.days)
    )
    return Judgement(
        name=name,
        distance_m=distance_m,
        same_phone=phone,
        same_email=email,
        different_days=different_days,
    )


def likely_pairs(
    session: Session, group_ids: Sequence[int] | None = None
) -> dict[tuple[int, int], Judgement]:
    """Every likely duplicate pair involving ``group_ids`` (all listings when None), keyed by
    (lower id, higher id). Reads only; :func:`find_duplicates` queues them."""
    if group_ids is not None and not group_ids:
        return {}
    targets = None if group_ids is None else set(group_ids)
    whole = targets is None or len(targets) > WHOLE_TABLE_FROM
    near = _near_pairs(session, session_backend(session), None if whole else sorted(targets or ()))
    if targets is not None and whole:
        near = {k: v for k, v in near.items() if k[0] in targets or k[1] in targets}
    phone_pairs, email_pairs = _contact_pairs(session, targets)
    keys = set(near) | phone_pairs | email_pairs
    listings = _listings(session, (i for key in keys for i in key))
    out: dict[tuple[int, int], Judgement] = {}
    for key in keys:
        a, b = listings.get(key[0]), listings.get(key[1])
        if a is None or b is None:
            continue
        judgement = judge(a, b, near.get(key), key in phone_pairs, key in email_pairs)
        if judgement is not None and judgement.likely:
            out[key] = judgement
    return out


# ---- the queue -------------------------------------------------------------------------


def find_duplicates(
    session: Session, group_ids: Sequence[int] | None = None, *, now: dt.datetime
) -> DuplicateRun:
    """Queue the likely duplicates of ``group_ids`` (those an import just created), or of
    every listing when None, in the caller's transaction. Decided pairs stay decided."""
    found = likely_pairs(session, group_ids)
    run = DuplicateRun(candidates=len(found))
    if not found:
        return run
    existing: dict[tuple[int, int], tuple[int, DuplicateStatus]] = {}
    firsts = sorted({a for a, _ in found})
    for chunk in chunks(firsts, CHUNK):
        for pair_id, a, b, status in session.execute(
            select(
                DuplicatePair.id,
                DuplicatePair.first_id,
                DuplicatePair.second_id,
                DuplicatePair.status,
            ).where(DuplicatePair.first_id.in_(chunk))
        ):
            existing[(a, b)] = (pair_id, DuplicateStatus(status))
    inserts, updates = [], []
    for key, judgement in sorted(found.items()):
        values = {"score": judgement.score, "reasons": judgement.reasons}
        if key not in existing:
            inserts.append(
                {
                    "first_id": key[0],
                    "second_id": key[1],
                    "status": DuplicateStatus.OPEN,
                    "found_at": now,
                    **values,
                }
            )
            continue
        pair_id, status = existing[key]
        if status is DuplicateStatus.OPEN:
            updates.append({"id": pair_id, **values})
            run.pair_ids.append(pair_id)
        else:
            run.already_decided += 1
    if updates:
        session.execute(update(DuplicatePair), updates)
    if inserts:
        for batch in chunks(inserts, CHUNK):
            new_ids = session.execute(
                insert(table_of(DuplicatePair)).returning(table_of(DuplicatePair).c.id), batch
            ).scalars()
            run.pair_ids.extend(new_ids)
    run.queued, run.refreshed = len(inserts), len(updates)
    return run


__all__ = [
    "FAIR_NAME",
    "NEAR_M",
    "SHARED_CONTACT_LIMIT",
    "STRONG_NAME",
    "DuplicateRun",
    "Judgement",
    "find_duplicates",
    "fold_name",
    "likely_pairs",
    "name_similarity",
    "normalise_email",
    "normalise_phone",
]

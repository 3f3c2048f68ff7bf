"""Wellbeing scores: the ONS4 personal-wellbeing questions and the three-item UCLA scale.

ONS4 is four questions answered 0 to 10 (0 "not at all", 10 "completely"): life
satisfaction, worthwhile, happiness and anxiety. For anxiety a lower score is the better one.
The three-item UCLA loneliness scale asks how often someone lacks companionship, feels left
out and feels isolated: 1 hardly ever, 2 some of the time, 3 often (lower is better too).

Every answer is either a score or, said outright, "not asked" (stored NULL): a link worker
who skipped a question must say so rather than leave a gap that reads like a zero. The UCLA
items are optional as a set: left blank, they were not asked.

``record_start`` keeps one start-of-case set per case (recording again corrects it);
``change_for`` compares it with the latest follow-up that has any answer, question by question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from assetmap.errors import ValidationError
from assetmap.models import Case, User, Wellbeing, WellbeingStage
from assetmap.referrals.cases import case_for, touch

#: The explicit answer for a question the link worker did not ask.
NOT_ASKED = "not_asked"


@dataclass(frozen=True)
class Question:
    """One question: the column it is stored in, its range, and which way is better."""

    field: str
    low: int
    high: int
    lower_is_better: bool = False


ONS4 = (
    Question("life_satisfaction", 0, 10),
    Question("worthwhile", 0, 10),
    Question("happiness", 0, 10),
    Question("anxiety", 0, 10, lower_is_better=True),
)
UCLA = (
    Question("ucla_companionship", 1, 3, lower_is_better=True),
    Question("ucla_left_out", 1, 3, lower_is_better=True),
    Question("ucla_isolated", 1, 3, lower_is_better=True),
)
QUESTIONS = ONS4 + UCLA


@dataclass(frozen=True)
class Scores:
    """One set of answers; None is "not asked"."""

    life_satisfaction: int | None = None
    worthwhile: int | None = None
    happiness: int | None = None
    anxiety: int | None = None
    ucla_companionship: int | None = None
    ucla_left_out: int | None = None
    ucla_isolated: int | None = None

    def values(self) -> dict[str, int | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def any_asked(self) -> bool:
        return any(value is not None for value in self.values().values())

    @classmethod
    def of(cls, row: Wellbeing | None) -> Scores | None:
        if row is None:
            return None
        return cls(**{q.field: getattr(row, q.field) for q in QUESTIONS})


def parse_scores(data: Mapping[str, Any]) -> Scores:
    """The answers a form or the API sent: each ONS4 question a whole number 0–10 or
    ``not_asked``; each UCLA item 1–3, ``not_asked`` or left out. ValidationError names the
    first question at fault."""
    values: dict[str, int | None] = {}
    for question in QUESTIONS:
        raw = data.get(question.field)
        optional = question in UCLA
        values[question.field] = _answer(question, raw, optional)
    return Scores(**values)


def _answer(question: Question, raw: Any, optional: bool) -> int | None:
    span = f"{question.low} to {question.high}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if optional:
            return None
        raise ValidationError(f"Choose a score from {span}, or Not asked", field=question.field)
    if isinstance(raw, str) and raw.strip() == NOT_ASKED:
        return None
    if isinstance(raw, bool):
        raise ValidationError(f"must be a whole number from {span}", field=question.field)
    try:
        number = int(raw.strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"must be a whole number from {span}", field=question.field) from None
    if isinstance(raw, float) and raw != number:
        raise ValidationError(f"must be a whole number from {span}", field=question.field)
    if not question.low <= number <= question.high:
        raise ValidationError(f"must be a whole number from {span}", field=question.field)
    return number


def wellbeing_row(
    case_id: int,
    scores: Scores,
    stage: WellbeingStage,
    now: dt.datetime,
    follow_up_id: int | None = None,
) -> Wellbeing:
    return Wellbeing(
        case_id=case_id,
        follow_up_id=follow_up_id,
        stage=stage,
        recorded_at=now,
        **scores.values(),
    )


def start_row(session: Session, case_id: int) -> Wellbeing | None:
    """The case's start-of-case scores, if any were recorded."""
    return session.scalar(
        select(Wellbeing)
        .where(Wellbeing.case_id == case_id, Wellbeing.stage == WellbeingStage.START)
        .order_by(Wellbeing.id.desc())
        .limit(1)
    )


def start_scores(
    session: Session, user: User, case_id: int, now: dt.datetime, *, record: bool = True
) -> Scores | None:
    """The start-of-case scores, for the case's team and admins (NotFound for anyone else);
    the opening is audited unless ``record`` is false."""
    case = case_for(session, user, case_id, now, record=record)
    return Scores.of(start_row(session, case.id))


def record_start(
    session: Session, user: User, case_id: int, scores: Scores, now: dt.datetime
) -> Wellbeing:
    """Save the start-of-case scores; a second recording corrects the first."""
    case = case_for(session, user, case_id, now, record=False)
    row = start_row(session, case.id)
    if row is None:
        row = wellbeing_row(case.id, scores, WellbeingStage.START, now)
        session.add(row)
    else:
        for name, value in scores.values().items():
            setattr(row, name, value)
        row.recorded_at = now
    touch(case, now)
    session.flush()
    return row


@dataclass(frozen=True)
class ScoreChange:
    """One question, start against the latest follow-up; ``change`` is None where either was
    not asked, and ``better`` says whether the change is for the better (anxiety and UCLA
    scores are better lower)."""

    field: str
    start: int | None
    latest: int | None

    @property
    def change(self) -> int | None:
        if self.start is None or self.latest is None:
            return None
        return self.latest - self.start

    @property
    def better(self) -> bool | None:
        change = self.change
        if not change:
            return None
        question = next(q for q in QUESTIONS if q.field == self.field)
        return change < 0 if question.lower_is_better else change > 0


def change_for(case: Case) -> list[ScoreChange]:
    """Each question's start score against the latest follow-up with any answer."""
    session = object_session(case)
    assert session is not None, "the case must belong to a session"
    start = Scores.of(start_row(session, case.id))
    latest: Scores | None = None
    rows = session.scalars(
        select(Wellbeing)
        .where(Wellbeing.case_id == case.id, Wellbeing.stage == WellbeingStage.FOLLOW_UP)
        .order_by(Wellbeing.recorded_at.desc(), Wellbeing.id.desc())
    )
    for row in rows:
        scores = Scores.of(row)
        if scores is not None and scores.any_asked:
            latest = scores
            break
    before = start.values() if start else {}
    after = latest.values() if latest else {}
    return [ScoreChange(q.field, before.get(q.field), after.get(q.field)) for q in QUESTIONS]

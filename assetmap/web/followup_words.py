"""The words of the follow-up pages: what to ask on the call, and the wellbeing questions.

The ONS4 questions are the Office for National Statistics' personal well-being questions, in
their published wording, answered from 0 ("not at all") to 10 ("completely"). The loneliness
questions are the three-item UCLA scale (Hughes and others, 2004), as the ONS recommends it,
answered "hardly ever", "some of the time" or "often". Only the words are here: the ranges and
which way is better are in ``assetmap.referrals.wellbeing``.
"""

from __future__ import annotations

from assetmap.referrals.followups import Answer, Ask
from assetmap.referrals.wellbeing import NOT_ASKED

#: The question each ``Ask`` puts, on the list and as the form's legend.
ASK = {
    Ask.ATTENDED: "Did they go along to the group?",
    Ask.STILL_GOING: "Are they still going?",
    Ask.WELLBEING: "The wellbeing questions (ONS4, and the loneliness questions if you use them)",
}

#: The answers to "did they go" and "still going".
ANSWER = {Answer.YES: "Yes", Answer.NO: "No", Answer.NOT_ASKED: "Not asked"}

#: What the ONS asks before its four questions.
ONS4_INTRO = (
    "For each of these questions, give an answer on a scale of 0 to 10, where 0 is "
    "“not at all” and 10 is “completely”."
)

#: The four ONS personal well-being questions, keyed by the column they are stored in.
ONS4_QUESTION = {
    "life_satisfaction": "Overall, how satisfied are you with your life nowadays?",
    "worthwhile": (
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?"
    ),
    "happiness": "Overall, how happy did you feel yesterday?",
    "anxiety": "Overall, how anxious did you feel yesterday?",
}

#: Short names, for the comparison with the start-of-case scores.
SHORT = {
    "life_satisfaction": "Life satisfaction",
    "worthwhile": "Worthwhile",
    "happiness": "Happiness",
    "anxiety": "Anxiety (lower is better)",
    "ucla_companionship": "Lack companionship",
    "ucla_left_out": "Feel left out",
    "ucla_isolated": "Feel isolated",
}

UCLA_INTRO = "The next questions are about how you feel about different aspects of your life."

#: The three-item UCLA loneliness scale.
UCLA_QUESTION = {
    "ucla_companionship": "How often do you feel that you lack companionship?",
    "ucla_left_out": "How often do you feel left out?",
    "ucla_isolated": "How often do you feel isolated from others?",
}

UCLA_ANSWER = {1: "Hardly ever", 2: "Some of the time", 3: "Often"}

#: The explicit choice for a question that was not put to the person.
NOT_ASKED_WORDS = "Not asked"
NOT_ASKED_VALUE = NOT_ASKED

#: The ends of the 0 to 10 scale, as the choices show them.
SCALE_ENDS = {0: "0 (not at all)", 10: "10 (completely)"}


def empty_words(weeks: tuple[int, ...]) -> str:
    """The empty list's words, with the configured weeks ("2 and 6 weeks")."""
    counted = [str(n) for n in weeks]
    when = counted[0] if len(counted) == 1 else f"{', '.join(counted[:-1])} and {counted[-1]}"
    return (
        "You have no follow-up calls due. A call appears here "
        f"{when} week{'' if counted == ['1'] else 's'} after a group accepts someone you referred."
    )

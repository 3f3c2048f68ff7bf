"""Free-text ranking: typos and synonyms find the right group, look-alike words do not."""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from assetmap.text import ranking
from assetmap.text.ranking import Candidate, rank_text
from assetmap.text.words import SYNONYMS, expand_query

GROUPS = [
    Candidate(
        1,
        "Knit and Natter",
        "Bring your needles or borrow ours: knitting, crochet and a cup of tea.",
        ("knitting", "crochet"),
    ),
    Candidate(
        2,
        "Parkside Strollers",
        "A gentle hour's walk round the park, at the pace of the slowest walker.",
        ("walking", "walking for health"),
    ),
    Candidate(
        3,
        "Hilltop Workshop",
        "A shed where older men make, mend and mostly chat. Tools provided.",
        ("woodwork", "repairs"),
    ),
    Candidate(
        4,
        "Talking Together",
        "A peer support group for talking about anxiety and low mood, led by volunteers.",
        ("peer support", "mental health"),
    ),
    Candidate(
        5,
        "Green Fingers Club",
        "Grow vegetables on our shared plot; no experience needed.",
        ("gardening", "allotment"),
    ),
    Candidate(
        6,
        "Camden Community Choir",
        "Sing well-known songs together. No auditions and no need to read music.",
        ("choir", "singing"),
    ),
    Candidate(
        7,
        "Chair Exercise Class",
        "Seated strength and balance exercises to music, at your own pace.",
        ("chair exercise", "falls prevention"),
    ),
    Candidate(
        8,
        "Forget-Me-Not Dementia Cafe",
        "A relaxed afternoon for people living with dementia and their carers.",
        ("dementia cafe", "carers"),
    ),
    Candidate(
        9,
        "Money Matters Surgery",
        "Free confidential debt advice and help with benefit forms.",
        ("debt advice", "benefits advice"),
    ),
    Candidate(
        10,
        "Silver Surfers Drop-in",
        "Help using tablets, phones and video calls. Kitting you out with a laptop.",
        ("digital skills", "computers"),
    ),
    Candidate(
        11,
        "Tai Chi for Beginners",
        "Slow, flowing movements for balance and calm; take part standing or seated.",
        ("tai chi",),
    ),
    Candidate(
        12,
        "Friday Lunch Club",
        "A hot two-course meal and good company every Friday at the church hall.",
        ("lunch club", "social"),
    ),
]

NAMES = {group.id: group.name for group in GROUPS}


def ids(text, **options):
    return [match.id for match in rank_text(text, GROUPS, **options)]


def first(text):
    found = rank_text(text, GROUPS)
    assert found, f"{text!r} found nothing"
    return NAMES[found[0].id]


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("knitting", "Knit and Natter"),
        ("kniting", "Knit and Natter"),
        ("gardning", "Green Fingers Club"),
        ("walkin", "Parkside Strollers"),
        ("woodwrok", "Hilltop Workshop"),
        ("Tai-Chi", "Tai Chi for Beginners"),
        ("qigong", "Tai Chi for Beginners"),
        ("dementia cafe", "Forget-Me-Not Dementia Cafe"),
        ("memory cafe", "Forget-Me-Not Dementia Cafe"),
        ("money advice", "Money Matters Surgery"),
        ("internet", "Silver Surfers Drop-in"),
        ("choir", "Camden Community Choir"),
        ("chair exercise", "Chair Exercise Class"),
        ("seated exercise", "Chair Exercise Class"),
        ("coffee morning", "Friday Lunch Club"),
    ],
)
def test_words_typos_and_synonyms_find_the_group_first(text, group):
    assert first(text) == group


@pytest.mark.parametrize(
    ("text", "group", "reason"),
    [
        ("rambling", "Parkside Strollers", "walking"),
        ("men's shed", "Hilltop Workshop", "woodwork"),
        ("mens shed", "Hilltop Workshop", "woodwork"),
        ("Men’s Shed", "Hilltop Workshop", "woodwork"),
        ("crafts", "Knit and Natter", "knitting"),
        ("allotments", "Green Fingers Club", "allotment"),
    ],
)
def test_synonyms_find_the_group_and_say_why(text, group, reason):
    found = rank_text(text, GROUPS)
    assert NAMES[found[0].id] == group
    assert reason in found[0].matched


def test_a_typo_is_explained_by_the_word_it_found():
    [match, *_] = rank_text("woodwrok", GROUPS)
    assert match.id == 3
    assert match.matched == ("woodwork",)
    assert match.score == pytest.approx(0.875)


def test_interests_count_more_than_the_name_and_the_name_more_than_the_description():
    (interest,) = rank_text("knitting", GROUPS[:1])
    (name,) = rank_text("natter", GROUPS[:1])
    (description,) = rank_text("needles", GROUPS[:1])
    assert interest.score == 1.0
    assert name.score == pytest.approx(0.9)
    assert description.score == pytest.approx(0.7)
    assert name.matched == ("natter",)


@pytest.mark.parametrize(
    ("text", "right", "wrong", "look_alike"),
    [
        ("walking", 2, 4, "talking"),
        ("talking", 4, 2, "walk"),
        ("talkin", 4, 2, "walking"),
        ("choir", 6, 7, "chair"),
        ("chair", 7, 6, "choir"),
        ("knitting", 1, 10, "kitting"),
        ("kniting", 1, 10, "kitting"),
        ("sing", 6, 10, "using"),
        ("art", None, 11, "part"),
        ("bell ringing", None, 6, "singing"),  # a typo keeps its first letter
    ],
)
def test_look_alike_words_do_not_match(text, right, wrong, look_alike):
    assert wrong not in ids(text)
    # With no threshold at all a synonym may still reach the wrong group ("music" for choir
    # finds the chair exercise class's description), but never through the look-alike word.
    everything = rank_text(text, GROUPS, min_score=0.0)
    assert [m.id for m in everything[:1]] == ([right] if right else [])
    assert all(look_alike not in m.matched for m in everything)
    assert all(m.score < 0.6 for m in everything if m.id == wrong)


def test_short_words_are_not_taken_for_typos_of_other_short_words():
    bikes = Candidate(40, "Bike Doctor", "Bring your bike; we fix it with you.", ("cycling",))
    cakes = Candidate(41, "Cake Club", "We bake and share.", ("baking",))
    assert [m.id for m in rank_text("bake", [bikes, cakes], min_score=0.01)] == [41]
    assert [m.id for m in rank_text("bike", [bikes, cakes], min_score=0.01)] == [40]


def test_walking_finds_the_walking_group_and_not_the_talking_one():
    assert ids("walking") == [2]
    assert ids("talking") == [4]


def test_a_generic_word_alone_is_searched_but_not_beside_a_real_one():
    assert ids("walking group") == ids("walking")
    assert ids("club") == [12, 5]  # "lunch club" is an interest, "Club" only a name


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "the and of", "!!!"])
def test_an_empty_query_matches_nothing(text):
    assert rank_text(text, GROUPS) == []
    assert expand_query(text) == []


def test_nothing_to_rank_is_nothing_found():
    assert rank_text("knitting", []) == []


def test_two_interests_rank_the_group_with_both_first():
    both = Candidate(99, "Walk and Knit", "Knitting, then a walk.", ("knitting", "walking"))
    found = rank_text("knitting walking", [*GROUPS, both])
    assert [m.id for m in found[:1]] == [99]
    assert {m.id for m in found[1:3]} == {1, 2}
    assert found[0].score == 1.0
    assert found[1].score == pytest.approx(0.9)


def test_ties_are_broken_by_id_whatever_the_input_order():
    twins = [Candidate(i, "Knitting Circle", "Knitting.", ("knitting",)) for i in (30, 10, 20)]
    shuffled = GROUPS + twins
    expected = [m.id for m in rank_text("knitting", shuffled)]
    assert expected[:4] == [1, 10, 20, 30]  # all four score 1.0
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert [m.id for m in rank_text("knitting", shuffled)] == expected


def test_the_same_row_twice_is_scored_the_same_both_times():
    found = rank_text("choir", [GROUPS[5], GROUPS[0], GROUPS[5]])
    assert [(m.id, m.score) for m in found] == [(6, 1.0), (6, 1.0)]


def test_min_score_and_limit():
    everything = rank_text("crafts", GROUPS, min_score=0.0)
    assert [m.score for m in everything] == sorted((m.score for m in everything), reverse=True)
    assert rank_text("crafts", GROUPS, limit=1) == everything[:1]
    assert all(m.score >= 0.8 for m in rank_text("social", GROUPS, min_score=0.8))
    assert rank_text("crafts", GROUPS, limit=0) == []
    with pytest.raises(ValueError):
        rank_text("crafts", GROUPS, limit=-1)


def test_an_edited_group_is_ranked_by_its_new_text():
    before = Candidate(50, "Book Club", "Monthly reading group.", ("reading",))
    after = Candidate(50, "Poetry Circle", "Poems shared aloud.", ("poetry",))
    assert [m.id for m in rank_text("books", [before])] == [50]
    assert rank_text("books", [after]) == []
    assert [m.id for m in rank_text("poetry", [after])] == [50]


def test_expand_query_keeps_phrases_whole_and_split():
    terms = dict(expand_query("  Men’s   SHED "))
    assert terms["men's shed"] == 1.0
    assert terms["woodwork"] == pytest.approx(0.85)
    assert {"men's", "shed"} <= terms.keys()
    assert max(terms.values()) == 1.0 and all(0 < w <= 1 for w in terms.values())


def test_expand_query_weighs_typed_words_over_corrections_and_synonyms():
    terms = dict(expand_query("gardning"))
    assert terms["gardning"] == 1.0
    assert 0.85 < terms["gardening"] < 1.0
    assert terms["allotment"] < terms["gardening"]


def test_synonyms_go_both_ways_and_never_list_themselves():
    assert "rambling" in SYNONYMS["walking"] and "walking" in SYNONYMS["rambling"]
    assert "woodwork" in SYNONYMS["men's shed"] and "men's shed" in SYNONYMS["woodwork"]
    assert len(SYNONYMS) >= 100
    for word, others in SYNONYMS.items():
        assert word not in others
        assert all(word in SYNONYMS[other] for other in others)


def test_ranking_without_explanations_keeps_the_order():
    explained = rank_text("crafts", GROUPS)
    quick = rank_text("crafts", GROUPS, explain=False)
    assert [(m.id, m.score) for m in quick] == [(m.id, m.score) for m in explained]
    assert all(m.matched == () for m in quick)
    assert any(m.matched for m in explained)


def test_the_memo_of_rows_seen_never_changes_a_result(monkeypatch):
    queries = ["kniting", "men's shed", "chair exercise", "walking", "crafts walking"]
    expected = {q: rank_text(q, GROUPS) for q in queries}
    monkeypatch.setattr(ranking, "_MAX_INDEXED_ROWS", 5)  # the memo starts afresh in every search
    monkeypatch.setattr(ranking, "_ADD_BATCH", 2)
    for q in queries:
        assert rank_text(q, GROUPS) == expected[q]
        assert rank_text(q, list(reversed(GROUPS))) == expected[q]


def test_searches_in_threads_agree_with_searches_one_at_a_time():
    queries = ["kniting", "rambling", "woodwrok", "choir", "money advice", "tai chi"]
    subsets = [GROUPS[i::3] + GROUPS[: i + 1] for i in range(3)]
    jobs = [(q, i) for q in queries for i in range(len(subsets))] * 5
    expected = {(q, i): rank_text(q, subsets[i]) for q, i in set(jobs)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda job: rank_text(job[0], subsets[job[1]]), jobs))
    assert found == [expected[job] for job in jobs]


# ---- the words a candidate stage may leave out (issue 18) ---------------------------------------

#: Words the index may hold that start as the query's words do, and some that do not.
_VOCABULARY = [
    "need",
    "needs",
    "needed",
    "needles",
    "needlework",
    "needlecraft",
    "knit",
    "knits",
    "knitting",
    "knitter",
    "kniting",
    "crafts",
    "crafting",
    "crafty",
    "crochet",
    "natter",
    "natters",
    "sewing",
    "sewn",
    "walk",
    "walks",
    "walking",
    "walker",
    "wall",
    "wallet",
    "talking",
    "health",
    "healthy",
    "heal",
    "mens",
    "men",
    "shed",
    "sheds",
    "wood",
    "woods",
    "woodwork",
    "break",
    "breakfast",
    "breathing",
    "repair",
    "repairs",
    "making",
    "make",
    "mend",
    "mending",
    "zumba",
    "zumbas",
    "zebra",
    "choir",
    "choirs",
    "chair",
    "singing",
    "sing",
    "song",
    "sign",
]


@pytest.mark.parametrize(
    "text", ["kniting", "mens shed", "walking", "zumbba", "choir", "needlework", "breakfast club"]
)
def test_a_word_left_out_of_the_candidates_could_never_score(text):
    kept = set(ranking.scoring_words(text, _VOCABULARY))
    for at, word in enumerate(_VOCABULARY):
        alone = Candidate(at, word, word, (word,))
        found = rank_text(text, [alone], min_score=0.0)
        if word not in kept:
            assert found == [], f"{word!r} scores for {text!r} but was left out"
    # And a word the query stands for is always kept.
    assert kept, text


def test_the_words_left_out_are_the_look_alikes_of_a_query():
    assert ranking.scoring_words("kniting", ["needs", "needed", "knit", "knitting", "crafts"]) == [
        "knit",
        "knitting",
        "crafts",
    ]
    assert ranking.scoring_words("walking", ["wall", "wallet", "walks", "walker"]) == [
        "walks",
        "walker",
    ]
    assert ranking.scoring_words("", ["walks"]) == []

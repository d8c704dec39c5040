"""The comparison rule on a small hand-made borough (pure: no database)."""

from datetime import date

from mapping import crime_compare
from mapping.crime_compare import classify, months_of_term, top_third


def published(i, j, rate, pupils=10, coverage=20):
    return {"i": i, "j": j, "pupils": pupils, "coverage": coverage, "rate": rate}


PUBLISHED = [published(0, 0, 0.9), published(0, 1, 0.5), published(0, 2, 0.2),
             published(0, 3, 0.95)]
CRIMES = {(0, 0): {"crimes": 10, "place": "On or near High Street"},
          (5, 5): {"crimes": 8, "place": "On or near Station"},
          (6, 6): {"crimes": 1, "place": None},
          (0, 2): {"crimes": 1, "place": "On or near Lane"}}


def categories(result) -> dict:
    return {(c["i"], c["j"]): c["category"] for c in result.cells}


def test_each_cell_gets_one_of_four_answers_by_the_top_third_rule():
    result = classify(PUBLISHED, CRIMES)
    # shares 0.95, 0.9 | 0.5, 0.2: the top third of 4 is the top 2; crimes 10, 8 | 1, 1
    assert (result.rate_at_least, result.crimes_at_least) == (0.9, 8)
    assert categories(result) == {(0, 0): "both_high", (0, 3): "pupils_high",
                                  (5, 5): "crimes_high", (0, 1): "both_low",
                                  (0, 2): "both_low", (6, 6): "both_low"}
    assert (result.published_cells, result.crime_cells) == (4, 4)


def test_a_cell_without_published_answers_is_never_high_for_pupils():
    result = classify([], {(1, 1): {"crimes": 3, "place": None}})
    assert categories(result) == {(1, 1): "crimes_high"}
    [cell] = result.cells
    assert cell["pupils"] is None and cell["rate"] is None


def test_disagreement_is_how_far_apart_the_two_rankings_are():
    cells = {(c["i"], c["j"]): c for c in classify(PUBLISHED, CRIMES).cells}
    assert cells[(0, 3)]["disagreement"] == 1.0  # the top share, no crime
    assert cells[(5, 5)]["disagreement"] == 0.75  # 3 of 4 crime cells at most 8, no pupils
    assert cells[(0, 0)]["disagreement"] == 0.25  # 3/4 of shares and all of the crime counts


def test_the_most_disagreeing_cells_come_first_and_agreeing_ones_are_left_out():
    result = classify(PUBLISHED, CRIMES)
    features = [{"id": f"150:{c['i']}:{c['j']}", "properties": c} for c in result.cells]
    assert [f["id"] for f in crime_compare.top_disagreements(features)] == ["150:0:3",
                                                                           "150:5:5"]


def test_top_third_takes_ties_at_the_line():
    assert top_third([]) is None
    assert top_third([4]) == 4
    assert top_third([1, 1, 1, 1, 2, 3]) == 2  # at least 2 of 6
    assert top_third([5, 5, 5, 1]) == 5


def test_a_term_spans_its_calendar_months():
    assert months_of_term("2026-autumn") == [date(2026, m, 1) for m in (9, 10, 11, 12)]
    assert months_of_term("2027-spring") == [date(2027, m, 1) for m in (1, 2, 3)]
    assert len(months_of_term("2027-summer")) == 5
    assert crime_compare.months_label(months_of_term("2026-autumn")) == \
        "September to December 2026"


def test_a_cell_in_words():
    cell = {**published(0, 0, 0.5), "crimes": 1, "place": "On or near Park"}
    assert crime_compare.cell_sentence(cell) == (
        "About 10 of 20 pupils (50%) feel unsafe here. 1 crime recorded (On or near Park).")
    quiet = {"rate": None, "pupils": None, "coverage": None, "crimes": 0, "place": None}
    assert crime_compare.cell_sentence(quiet).endswith("No crimes recorded.")

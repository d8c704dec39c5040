"""When an aggregate may leave the school (DESIGN.md section 4), and how it is rounded (pure).

A cell is published for a filter only when at least `min_pupils` pupils from at least
`min_schools` schools marked it, and when, for every looser filter (the same question with one or
more filters dropped), the pupils that looser query adds are either none or at least
`min_pupils`. Without that second rule, "all reasons" minus "dark" would count the two pupils
who gave another reason. Published counts are rounded to `round_to`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """Thresholds for publishing beyond the school."""

    min_pupils: int = 10
    min_schools: int = 3
    round_to: int = 5
    min_cell_m: int = 100


def publishable(pupils_by_relaxation: list[int], schools: int, rule: Rule) -> bool:
    """Whether a cell may be published; the last count is the asked filter, the others are its
    relaxations (the first is no filter at all)."""
    asked = pupils_by_relaxation[-1]
    if asked < rule.min_pupils or schools < rule.min_schools:
        return False
    return all(looser - asked == 0 or looser - asked >= rule.min_pupils
               for looser in pupils_by_relaxation[:-1])


def rounded(count: int, to: int) -> int:
    """A count rounded to the nearest multiple (halves up)."""
    return int((count + to // 2) // to * to) if to > 1 else int(count)


def rate(part: int, whole: int) -> float | None:
    """A share in [0, 1] to two decimals, from already rounded counts."""
    return None if whole <= 0 else round(min(part / whole, 1.0), 2)


def net_share(unsafe: int, safe: int, whole: int) -> float | None:
    """(unsafe - safe) / whole in [-1, 1] to two decimals, from already rounded counts."""
    return None if whole <= 0 else round(max(-1.0, min((unsafe - safe) / whole, 1.0)), 2)


def stepped(value: float, step: float = 0.05) -> float:
    """A share rounded to a coarse step (equal-weighted shares are published this coarsely)."""
    return round(round(value / step) * step, 2)

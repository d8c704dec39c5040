"""What changed between two terms (pure): hexagons whose published unsafe share appeared, grew,
eased or faded, and hot-spot areas that are new, still there or gone.

Only published numbers go in. A hexagon or area is compared only where enough pupils could
have marked it in both terms (the hot spots' study area): a place no class mapped in one of the
terms has not "faded" or "appeared", it was not asked about.
"""

STEP = 0.10  # the smallest change in the published share that counts as grew or eased
CELL_CHANGES = {
    "appeared": ("Appeared", "Published in the later term only, though enough pupils could "
                             "have marked it in both."),
    "grew": ("Grew", "Published in both terms; the share of pupils who feel unsafe there rose "
                     "by 10 points or more."),
    "steady": ("About the same", "Published in both terms; the share changed by less than 10 "
                                 "points."),
    "eased": ("Eased", "Published in both terms; the share fell by 10 points or more."),
    "faded": ("Faded", "Published in the earlier term only, though enough pupils could have "
                       "marked it in both."),
    "one_term": ("Mapped in one term only", "Published in one term; too few pupils could have "
                                            "marked it in the other, so it cannot be compared."),
}
AREA_CHANGES = {
    "new": ("New", "A hot spot in the later term that shares no hexagon with an earlier one."),
    "persisting": ("Still there", "A hot spot in the later term that shares at least one "
                                  "hexagon with a hot spot of the earlier term."),
    "gone": ("Gone", "A hot spot of the earlier term that shares no hexagon with a later one."),
    "one_term": ("Mapped in one term only", "None of its hexagons was mapped by enough pupils "
                                            "in the other term."),
}
Cell = tuple[int, int]


def _cell_change(before: dict | None, after: dict | None, asked_before: bool,
                 asked_after: bool, step: float) -> str:
    if before and after:
        delta = after["rate"] - before["rate"]
        if abs(delta) + 1e-9 < step:  # shares are rounded; 0.30 - 0.20 is 0.0999...
            return "steady"
        return "grew" if delta > 0 else "eased"
    if after:
        return "appeared" if asked_before else "one_term"
    return "faded" if asked_after else "one_term"


def cell_changes(before: list[dict], after: list[dict], asked_before: set[Cell],
                 asked_after: set[Cell], step: float = STEP) -> list[dict]:
    """Every hexagon published in either term with its change and both terms' shares.

    `before`/`after` are published cells (i, j, pupils, rate); `asked_*` the cells enough
    pupils could have marked in each term."""
    old = {(c["i"], c["j"]): c for c in before}
    new = {(c["i"], c["j"]): c for c in after}
    rows = []
    for cell in sorted(old.keys() | new.keys()):
        b, a = old.get(cell), new.get(cell)
        change = _cell_change(b, a, cell in asked_before, cell in asked_after, step)
        rows.append({"i": cell[0], "j": cell[1], "change": change,
                     "label": CELL_CHANGES[change][0],
                     "before": b["rate"] if b else None, "after": a["rate"] if a else None,
                     "pupils_before": b["pupils"] if b else None,
                     "pupils_after": a["pupils"] if a else None})
    return rows


def biggest(rows: list[dict], limit: int) -> list[dict]:
    """The hexagons that changed most (a share missing in one term counts as 0), then by id."""
    changed = [r for r in rows if r["change"] in ("appeared", "grew", "eased", "faded")]
    return sorted(changed, key=lambda r: (-abs((r["after"] or 0) - (r["before"] or 0)),
                                          r["i"], r["j"]))[:limit]


def counts(rows: list[dict], kinds: dict) -> dict[str, int]:
    """How many rows have each change, in the order of `kinds`."""
    return {key: sum(1 for r in rows if r["change"] == key) for key in kinds}


def _members(cells: list[dict]) -> dict[int, set[Cell]]:
    """Each area's hexagons, by rank, from an analysis' cells."""
    found: dict[int, set[Cell]] = {}
    for cell in cells:
        if cell.get("area"):
            found.setdefault(cell["area"], set()).add((cell["i"], cell["j"]))
    return found


def area_changes(before: dict | None, after: dict | None, asked_before: set[Cell],
                 asked_after: set[Cell]) -> list[dict]:
    """The later term's areas (new, persisting) and the earlier term's that are gone.

    `before`/`after` are hot-spot analyses ({"cells", "areas"}), or None when a term had too
    little data for one. Two areas of the same grid overlap exactly when they share a
    hexagon."""
    before = before or {"cells": [], "areas": []}
    after = after or {"cells": [], "areas": []}
    old, new = _members(before["cells"]), _members(after["cells"])
    rows = []
    for area in after["areas"]:
        cells = new.get(area["rank"], set())
        matched = sorted(rank for rank, others in old.items() if cells & others)
        change = ("persisting" if matched else "new") if cells & asked_before else "one_term"
        rows.append(_area_row(area, "after", change, matched))
    for area in before["areas"]:
        cells = old.get(area["rank"], set())
        if any(cells & others for others in new.values()):
            continue
        rows.append(_area_row(area, "before", "gone" if cells & asked_after else "one_term", []))
    return rows


def _area_row(area: dict, term: str, change: str, matched: list[int]) -> dict:
    return {"term": term, "rank": area["rank"], "change": change,
            "label": AREA_CHANGES[change][0], "matched": matched,
            "ward": area.get("ward"), "peak_time_label": area.get("peak_time_label"),
            "pupils": area.get("pupils"), "geometry": area["geometry"],
            "lon": area["lon"], "lat": area["lat"]}


# How each change is drawn: colour, and an outline pattern so colour is never the only clue.
CELL_STYLES = {
    "appeared": {"colour": "#b91c1c", "fill": 0.7, "weight": 3, "dash": None},
    "grew": {"colour": "#f97316", "fill": 0.6, "weight": 2, "dash": "8 4"},
    "steady": {"colour": "#a3a3a3", "fill": 0.4, "weight": 1, "dash": None},
    "eased": {"colour": "#60a5fa", "fill": 0.5, "weight": 2, "dash": "2 4"},
    "faded": {"colour": "#1e3a8a", "fill": 0.25, "weight": 2, "dash": "10 4 2 4"},
    "one_term": {"colour": "#ffffff", "fill": 0.0, "weight": 1, "dash": "1 3"},
}
AREA_STYLES = {
    "new": {"colour": "#111111", "fill": 0.0, "weight": 4, "dash": None},
    "persisting": {"colour": "#111111", "fill": 0.0, "weight": 3, "dash": "10 6"},
    "gone": {"colour": "#111111", "fill": 0.0, "weight": 2, "dash": "2 5"},
    "one_term": {"colour": "#6b7280", "fill": 0.0, "weight": 2, "dash": "1 3"},
}


def legend(kinds: dict, styles: dict) -> list[dict]:
    """Legend rows (key, label, meaning and style) for templates and the map script."""
    return [{"key": key, "label": label, "meaning": meaning, **styles[key]}
            for key, (label, meaning) in kinds.items()]


def sentence(row: dict) -> str:
    """One hexagon's change in words: 'Grew: 20% then, 35% now.'"""
    def share(value):
        return "not published" if value is None else f"{round(value * 100)}%"
    return f"{row['label']}: {share(row['before'])} before, {share(row['after'])} after."

"""One term's heatmap counts made in one pass, answering as mapping.queries does (for keeping).

The retention purge asks several hundred questions about one term: every reason, time of day
and year band and their combinations, for each kind and cell size. Counting each from
`zone_cell` scans the borough's rows each time (about 12 minutes for a borough's term).
`queries.filter_cube` counts every combination at once, and `TermCounts` answers
`heat_counts`, `coverage` and `heat_counts_by_school` from it with the same numbers, so the
heatmap's own publication code runs unchanged on them.
"""

from collections import defaultdict
from types import SimpleNamespace

from sqlalchemy.orm import Session

from mapping import queries

ANY = "*"
_DIMENSIONS = (("term", "this_term"), ("reason", "reason"), ("time", "time_of_day"),
               ("years", "band"))


class TermCounts:
    """Borough-wide counts of one term, for questions naming that term (no school, no cell)."""

    def __init__(self, *, borough_id: int, term: str, bands: dict[str, tuple[int, int]],
                 min_pupils: int):
        self.borough_id, self.term, self.bands = borough_id, term, bands
        self.min_pupils = min_pupils
        self._band_names = {span: name for name, span in bands.items()}
        self._cubes: dict = {}
        self._coverage: dict = {}

    def forget(self) -> None:
        """Drop the counts made so far (they are large at 100 m)."""
        self._cubes.clear()

    def _cube(self, db_session: Session, resolution: int, kind: str):
        if (resolution, kind) not in self._cubes:
            cells, by_school, cells_seen = {}, defaultdict(dict), set()
            for grouped, row in queries.filter_cube(
                    db_session, borough_id=self.borough_id, resolution=resolution, kind=kind,
                    term=self.term, bands=self.bands, min_pupils=self.min_pupils):
                key = tuple(getattr(row, column) if column in grouped else ANY
                            for _name, column in _DIMENSIONS)
                if "school_id" in grouped:
                    by_school[key][(row.i, row.j, row.school_id)] = int(row.pupils)
                else:
                    cells[(row.i, row.j, *key)] = (int(row.pupils), int(row.schools))
                    cells_seen.add((row.i, row.j))
            self._cubes[(resolution, kind)] = (cells, by_school, sorted(cells_seen))
        return self._cubes[(resolution, kind)]

    def _key(self, filters: dict, chosen: frozenset) -> tuple:
        values = {"term": True, "reason": filters.get("reason"), "time": filters.get("time"),
                  "years": self._band_names.get(filters.get("years"))}
        return tuple(values[name] if name in chosen else ANY for name, _column in _DIMENSIONS)

    def _check(self, borough_id: int, filters: dict, scope: dict | None) -> None:
        if borough_id != self.borough_id or filters.get("term") != self.term \
                or any((scope or {}).values()):
            raise ValueError("TermCounts answers borough-wide questions about its term only.")

    def heat_counts(self, db_session: Session, *, borough_id: int, resolution: int, kind: str,
                    filters: dict, scope: dict | None = None):
        """As queries.heat_counts."""
        self._check(borough_id, filters, scope)
        cells, _by_school, seen = self._cube(db_session, resolution, kind)
        order = queries.relaxations(list(filters))
        keys = [self._key(filters, chosen) for chosen in order]
        rows = []
        for i, j in seen:
            full = cells.get((i, j, *keys[-1]))
            if full is None:
                continue
            counts = {f"p{k}": cells.get((i, j, *key), (0, 0))[0] for k, key in enumerate(keys)}
            rows.append(SimpleNamespace(i=i, j=j, schools=full[1], **counts))
        return order, rows

    def heat_counts_by_school(self, db_session: Session, *, borough_id: int, resolution: int,
                              kind: str, filters: dict, scope: dict | None = None):
        """As queries.heat_counts_by_school."""
        self._check(borough_id, filters, scope)
        _cells, by_school, _seen = self._cube(db_session, resolution, kind)
        return dict(by_school.get(self._key(filters, frozenset(filters)), {}))

    def coverage(self, db_session: Session, *, borough_id: int, resolution: int, filters: dict,
                 scope: dict | None = None, by_school: bool = False):
        """As queries.coverage (asked of the database once per question's term and band)."""
        self._check(borough_id, filters, scope)
        key = (resolution, filters.get("years"), by_school)
        if key not in self._coverage:
            self._coverage[key] = queries.coverage(
                db_session, borough_id=borough_id, resolution=resolution,
                filters={k: v for k, v in filters.items() if k in ("term", "years")},
                by_school=by_school)
        return self._coverage[key]

"""The retention purge: a term's published heatmaps are kept, then its pupils' maps deleted.

Terms go whole. Once the oldest map of a borough's term is past the retention period, every
answer planners could see about that term (the published cells of each borough-wide heatmap
question, and each hot-spot analysis) is stored, and then every map of the term is deleted, so
no map outlives the period (the newest go up to a term early). What is kept was already
published (suppressed and rounded), so it shows nothing new, and the borough's picture of the
term stays as it was. A school's own view of the term has nothing left to show.
"""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import combinations, product

from sqlalchemy.orm import Session

from core.audit import services as audit
from mapping import heatmap, hotspots, kept, queries, terms, vocabulary
from mapping.kept_models import KeptHeatAnswer, KeptHotSpots, KeptTerm
from mapping.paper import queries as paper_queries
from mapping.publication import Rule
from mapping.term_counts import TermCounts

FILTERS = ("reason", "time", "years")
Step = Callable[[int], None]
Progress = Callable[[str, int], AbstractContextManager[Step]]


@dataclass(frozen=True)
class Purge:
    """What a purge did: maps deleted, and the (borough id, term) whose answers were kept."""

    deleted: int
    terms: list[tuple[int, str]]


def _quietly(_label: str, _length: int) -> AbstractContextManager[Step]:
    return nullcontext(lambda _n: None)


def purge_expired(*, db_session: Session, retention_days: int, rule: Rule,
                  progress: Progress = _quietly) -> Purge:
    """Keep the published answers of every term with a map older than the retention period,
    then delete all of that term's maps; one transaction, one audit event."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    expired = queries.expired_terms(db_session, cutoff)
    deleted = 0
    for borough_id, term in expired:
        if term not in kept.terms(db_session, borough_id):  # a straggler is only deleted
            with progress(f"Keeping the published heatmaps of {terms.label(term)}",
                          question_count(rule)) as step:
                keep_term(db_session=db_session, borough_id=borough_id, term=term, rule=rule,
                          step=step)
        deleted += queries.delete_term_maps(db_session, borough_id, term)
    sheets = paper_queries.delete_sheets_received_before(db_session, cutoff)
    audit.record(db_session=db_session, action="mapping.purge", object_type="pupil_map",
                 detail={"deleted": deleted, "retention_days": retention_days,
                         "kept": [{"borough_id": b, "term": t} for b, t in expired],
                         "paper_sheets": sheets})
    db_session.commit()
    return Purge(deleted, expired)


def _filter_sets(kind: str) -> list[dict]:
    """Every combination of reason, time and year band (each may be left out), fewest first."""
    options = {"reason": vocabulary.reasons_for(kind), "time": vocabulary.TIMES,
               "years": heatmap.YEAR_BANDS}
    return [dict(zip(names, values, strict=True))
            for size in range(len(FILTERS) + 1) for names in combinations(FILTERS, size)
            for values in product(*(list(options[name]) for name in names))]


def question_count(rule: Rule) -> int:
    """How many heatmap and hot-spot questions keeping one term asks (for a progress bar)."""
    per_size = len(_filter_sets("unsafe")) + len(_filter_sets("safe")) + len(_hot_spot_variants())
    return per_size * len(heatmap.published_sizes(rule))


def _hot_spot_variants() -> list[tuple[str | None, bool]]:
    return list(product((None, *heatmap.YEAR_BANDS), (False, True)))


def keep_term(*, db_session: Session, borough_id: int, term: str, rule: Rule,
              step: Step = lambda _n: None) -> None:
    """Store every borough-wide answer planners can get about one term, as it is published now."""
    rows = []
    counts = TermCounts(borough_id=borough_id, term=term, bands=heatmap.YEAR_BANDS,
                        min_pupils=rule.min_pupils)
    for resolution in heatmap.published_sizes(rule):
        asked = heatmap.Question(borough_id=borough_id, resolution=resolution, term=term)
        published = {kind: _kind_answers(db_session, replace(asked, kind=kind), rule, step,
                                         counts)
                     for kind in ("unsafe", "safe")}
        for found in published.values():
            rows += [_answer_row(question, "pupils", cells) for question, cells in found]
            rows += [_answer_row(question, "schools",
                                 _weighted(db_session, question, rule, counts))
                     for question, _cells in found]
        nets = {replace(question, kind="net", reason=None)
                for found in published.values() for question, _cells in found
                if question.reason is None}
        rows += [_answer_row(question, "schools", _weighted(db_session, question, rule, counts))
                 for question in nets]
        counts.forget()
        for years, cautious in _hot_spot_variants():
            rows.append(_hot_spots_row(db_session, hotspots.HotSpotQuestion(
                borough_id, resolution, term, years, cautious), rule))
            step(1)
    db_session.add(KeptTerm(borough_id=borough_id, term=term, rule=asdict(rule)))
    db_session.flush()
    db_session.add_all(rows)
    db_session.flush()


def _kind_answers(db_session: Session, asked: heatmap.Question, rule: Rule, step: Step,
                  counts: TermCounts) -> list[tuple[heatmap.Question, dict]]:
    """Each unsafe or safe question with published cells. A question is skipped when one with
    a filter fewer had no cell that could publish (see heatmap.counted_kind)."""
    could_publish, found = {}, []
    for filters in _filter_sets(asked.kind):
        key = frozenset(filters.items())
        if all(could_publish.get(key - {item}, False) for item in key):
            question = replace(asked, **filters)
            cells, could_publish[key] = heatmap.counted_kind(db_session, question, rule,
                                                             counts=counts)
            if cells:
                found.append((question, cells))
        step(1)
    return found


def _weighted(db_session: Session, question: heatmap.Question, rule: Rule,
              counts: TermCounts) -> dict:
    return heatmap.answer_from_maps(db_session, replace(question, weighting="schools"), rule,
                                    counts=counts)


def _answer_row(question: heatmap.Question, weighting: str, cells: dict) -> KeptHeatAnswer:
    return KeptHeatAnswer(borough_id=question.borough_id, term=question.term,
                          resolution=question.resolution, kind=question.kind,
                          weighting=weighting, reason=question.reason or "",
                          time=question.time or "", years=question.years or "",
                          cells=sorted(cells.values(), key=lambda c: (c["i"], c["j"])))


def _hot_spots_row(db_session: Session, question: hotspots.HotSpotQuestion,
                   rule: Rule) -> KeptHotSpots:
    try:
        analysis = _plain(hotspots.statistics(db_session, question, rule))
    except hotspots.TooLittleData as exc:
        analysis = {"too_little": exc.message}
    analysis["study_area"] = hotspots.study_area(db_session, question, rule)
    return KeptHotSpots(borough_id=question.borough_id, term=question.term,
                        resolution=question.resolution, years=question.years or "",
                        cautious=question.cautious, analysis=analysis)


def _plain(value):
    """The value as JSON would give it back (NumPy numbers become Python ones)."""
    return json.loads(json.dumps(value, default=lambda v: v.item()))

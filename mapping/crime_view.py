"""Perception against recorded crime for one borough, term, crime type and cell size."""

from datetime import date

from sqlalchemy.orm import Session

from core.crimes import services as crimes
from core.crimes.readers import CRIME_TYPES
from mapping import crime_compare, heat_cache, heatmap, queries

CELL_SIZES = (100, 150, 250)


def question_for(*, borough_id: int, cell: int, term: str | None) -> heatmap.Question:
    """The published heatmap question whose unsafe cells are compared: all reasons, times
    and ages, every pupil counted once."""
    return heatmap.Question(borough_id=borough_id, resolution=cell, kind="unsafe", term=term)


def months_for(db_session: Session, question: heatmap.Question) -> list[date]:
    """The crime months a term spans; without a term, those of every term with pupils' maps."""
    terms = [question.term] if question.term else queries.terms_with_maps(
        db_session, question.borough_id)
    return sorted({month for term in terms for month in crime_compare.months_of_term(term)})


def comparison(*, db_session: Session, question: heatmap.Question,
               crime_type: str | None) -> dict:
    """Every hexagon with published pupils' answers or recorded crime, classified, as GeoJSON
    (crime_type: a police.uk slug such as 'robbery', or None for every type)."""
    published = heat_cache.published_cells(db_session=db_session, question=question,
                                           rule=heatmap.rule_for_planners())
    months = months_for(db_session, question)
    counts = crimes.cell_counts(db_session=db_session, borough_id=question.borough_id,
                                size_m=question.resolution, months=months,
                                crime_type=CRIME_TYPES[crime_type] if crime_type else None)
    result = crime_compare.classify(published, counts)
    shapes = queries.hexagon_geojson(db_session, question.resolution,
                                     [(c["i"], c["j"]) for c in result.cells])
    imported = crimes.months_with_crimes(db_session=db_session,
                                         borough_id=question.borough_id, months=months)
    filters = {"term": question.term, "type": crime_type, "cell": question.resolution}
    return crime_compare.feature_collection(result, shapes, resolution=question.resolution,
                                            filters=filters, months=months,
                                            months_with_crimes=imported)

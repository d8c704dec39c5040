"""Proposals measured beside the project's code on the same task (the app never uses them).

1. Rebuild: drop zone_cell's indexes and constraints inside the rebuild's transaction, insert,
   then build them again (one sort per index, one anti-join for the foreign key) instead of
   updating three B-trees and firing the foreign-key trigger for every row.
(The covering read index it also proposed is now the app's own, migration 0006.)
"""

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

TABLE = "zone_cell"


def _definitions(s: Session) -> tuple[list, list]:
    constraints = s.execute(text("""
        SELECT conname, contype, pg_get_constraintdef(oid) AS definition FROM pg_constraint
         WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f')
         ORDER BY contype"""), {"t": TABLE}).all()
    indexes = s.execute(text("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
         WHERE i.tablename = :t AND NOT EXISTS (
               SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"""),
                        {"t": TABLE}).all()
    return constraints, indexes


def bulk_insert(s: Session, insert: Callable[[Session], None]) -> None:
    """Run insert with zone_cell's indexes and constraints dropped, then build them again."""
    constraints, indexes = _definitions(s)
    for name, _kind, _definition in constraints:
        s.execute(text(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        s.execute(text(f'DROP INDEX "{name}"'))
    insert(s)
    for name, kind, definition in constraints:
        valid = " NOT VALID" if kind == "f" else ""
        s.execute(text(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}{valid}'))
        if kind == "f":
            s.execute(text(f'ALTER TABLE {TABLE} VALIDATE CONSTRAINT "{name}"'))
    for _name, definition in indexes:
        s.execute(text(definition))

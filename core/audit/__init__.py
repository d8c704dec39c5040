"""Audit trail: who did what, and every planner/police access to data."""

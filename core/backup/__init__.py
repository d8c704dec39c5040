"""Backups of the app's database: `flask backup create` and `flask backup restore`."""

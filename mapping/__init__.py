"""Pupil safety mapping, heatmaps, hot spots and printable maps."""

"""Turning results into figures and reports: run plots, drawings, and ``evomod report`` of a study."""

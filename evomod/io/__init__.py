"""Files: a run directory, a saved genome, and atomic writes."""

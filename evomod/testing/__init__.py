"""Slow, literal twins of the kernels, for tests and baselines (not used by the engine)."""

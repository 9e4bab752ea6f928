"""For tests and baselines, not used by the engine: slow, literal twins of the
kernels (``reference``) and one-genome wrappers of the kernels (``kernels``)."""

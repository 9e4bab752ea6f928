"""Benchmarks users run from the command line (``evomod bench selection``)."""

"""Measures beyond Q: information flow between modules (on node programs), functional
checks, and adaptation after goal switches."""

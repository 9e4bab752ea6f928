"""Measures of a genome or a run beyond Q: information flow between modules (on node programs), functional checks, adaptation after goal switches."""

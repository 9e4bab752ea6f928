"""evomod: fast evolutionary simulations of how modularity evolves."""

__version__ = "0.1.0"

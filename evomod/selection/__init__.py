"""Selection strategies: objective arrays -> parent indices.

The registry ``SELECTION`` and the built-in strategies live in
``strategies``; their numba kernels in ``kernels`` and ``nsga``; the
``deap:NAME`` adapter in ``deap``. See ``evomod.selection.strategies`` for
the calling convention and how to write your own.
"""

from evomod.selection.deap import DeapParams, deap_operators
from evomod.selection.strategies import *  # noqa: F403
from evomod.selection.strategies import __all__ as _strategies_all

__all__ = [*_strategies_all, "DeapParams", "deap_operators"]

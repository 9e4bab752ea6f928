"""Genome types behind the engine's interface: ``base`` (what the engine
needs of one, the population's arrays, copying rows), and the built-in
``nand`` circuits and ``layered`` networks, each a package of its
registration (``representation``) and its numba kernels."""

from evomod.representations.base import CAPABILITIES, REPRESENTATIONS, Population, Representation, reproduce

__all__ = ["CAPABILITIES", "REPRESENTATIONS", "Population", "Representation", "reproduce"]

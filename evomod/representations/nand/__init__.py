"""NAND logic circuits (Kashtan & Alon 2005): kernels and the ``nand`` representation."""

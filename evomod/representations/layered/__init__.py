"""Layered networks (Kashtan & Alon 2005 retina, Clune et al. 2013): kernels, wiring cost,
and the ``layered`` representation."""

"""Modularity of networks: Q of a partition, maximal Q, and normalised Q_m.

Public API::

    q(A, labels, directed=False)                  # Q of a partition
    max_q(A, directed=False, method="spectral")   # (Q, labels)
    qm(A, directed=False, n_random=1000, seed=0)  # QmResult(q, q_rand, q_max, qm, labels, ...)
    q_only(A, directed=False, seed=0)             # the same Q and labels, no null model

Parts: ``score`` (Q, validation), ``search`` (spectral division + refinement,
the default), ``louvain``, ``exhaustive``, ``swaps`` (degree-preserving swap
chain), ``nullmodel`` (Q_rand and Q_max estimators), ``cache`` (Q_rand and
Q_max per degree sequence) and ``normalised`` (Q_m).
"""

from evomod.modularity.cache import DegreeCache
from evomod.modularity.exhaustive import EXHAUSTIVE_MAX_N, exhaustive_kernel
from evomod.modularity.louvain import louvain_kernel
from evomod.modularity.normalised import QM_RESTARTS, QmResult, q_max, q_only, q_rand, qm
from evomod.modularity.nullmodel import canonical_realisation, degree_key
from evomod.modularity.score import check_adjacency, q, q_kernel
from evomod.modularity.search import DEFAULT_RESTARTS, METHODS, max_q, max_q_kernel, quick_max_q_kernel
from evomod.modularity.swaps import randomise

__all__ = ["DEFAULT_RESTARTS", "EXHAUSTIVE_MAX_N", "METHODS", "QM_RESTARTS", "DegreeCache",
           "QmResult", "canonical_realisation", "check_adjacency", "degree_key",
           "exhaustive_kernel", "louvain_kernel", "max_q", "max_q_kernel", "q", "q_kernel", "quick_max_q_kernel",
           "q_max", "q_only", "q_rand", "qm", "randomise"]

"""Search for expensive black-box objectives over combinatorial spaces (``nnopt.minimize``).

Every evaluation is counted and none is repeated: the search methods here propose solutions as
integer codes of a :mod:`nnopt.problems.spaces` space, and one :class:`Evaluator` owns the budget,
the cache, the history and the parallel calls. The methods live in a registry
(:mod:`nnopt.solver.blackbox.methods`); the network one imports torch only when it runs.
"""

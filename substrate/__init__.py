"""The image substrate: what a trained image classifier knows, pulled out by input descent.

A room of its own because it is a second user of the extraction routine, not part
of the combinatorial engine: it draws class visualisations (``visualize``),
compresses datasets and models from them (``distill``, ``distill_defaults``),
and keeps the image priors (``image_regularisers``), the classifiers it extracts
from (``classifiers``) and the data they learn on (``datasets``) next to them.

It imports from the rest of nnopt only :mod:`nnopt.solver.extract` (the one
extraction routine, shared with the engine) and the error family
(:mod:`nnopt.problems.errors`, a leaf module); ``tests/test_import_graph.py``
checks it. Nothing is imported here: each module loads torch on its own, when used.
"""

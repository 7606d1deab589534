"""Importing ``nnopt`` from the root of a source checkout finds the sub-packages too.

Run from the checkout's root, Python finds the folder ``nnopt/`` there (the
current directory comes first on the path) rather than the installed package,
and the sub-packages live beside that folder (``solver/``, ``problems/``, ...:
setup.py maps them into ``nnopt``). Importing this module adds the checkout's
root to ``nnopt.__path__`` in that case, so ``nnopt.solver`` is found there;
an installed ``nnopt`` (a wheel, or the link tree of an editable install) has
no ``setup.py`` beside it and is left alone.
"""
from __future__ import annotations

import os
import sys

__all__: list[str] = []


def _extend_from_checkout() -> None:
    package = sys.modules["nnopt"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__ or "")))
    if (os.path.isfile(os.path.join(root, "setup.py"))
            and os.path.isfile(os.path.join(root, "solver", "__init__.py"))
            and root not in package.__path__):
        package.__path__.append(root)


_extend_from_checkout()

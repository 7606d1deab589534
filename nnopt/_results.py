"""The result type ``nnopt.solve`` returns for a problem: the generic result plus the problem's own views.

A problem may name a mixin class as its ``result_views`` (binpack2d:
``placements`` and ``plot``; tsp: ``tour`` and ``plot``). The result for that
problem is a subclass of :class:`~nnopt._solve.SolveResult` with the mixin first,
made once per mixin, so the engine stays problem-agnostic and a plugin gets typed
views by naming its own mixin. The generic result is passed in (``base``), so this
module imports nothing of :mod:`nnopt._solve`, which imports it. ``nnopt.binpack2d.Result`` and ``nnopt.tsp.Result``
are these classes.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnopt._solve import SolveResult

__all__ = ["result_class", "result_class_for"]

_CLASSES: dict[tuple[type, type], type[Any]] = {}
_LOCK = threading.Lock()


def result_class_for(views: type | None, base: type[SolveResult]) -> type[SolveResult]:
    """The result class with ``views`` mixed into ``base`` (``base`` itself for None); the same class each call."""
    if views is None:
        return base
    with _LOCK:
        cls = _CLASSES.get((views, base))
        if cls is None:
            name = views.__name__.removesuffix("Views") + "Result"
            cls = type(name, (views, base), {"__module__": views.__module__, "__qualname__": name,
                                             "__doc__": f"{base.__doc__}\n\n{views.__doc__}"})
            _CLASSES[(views, base)] = cls
        return cls


def result_class(problem: Any, base: type[SolveResult]) -> type[SolveResult]:
    """The result class for ``problem``: its ``result_views`` mixed into ``base``, if it names one."""
    views = getattr(problem, "result_views", None)
    return result_class_for(views if isinstance(views, type) else None, base)

"""The checks ``nnopt.solve`` makes on its arguments before any work, each a one-line ``OptionError``.

A wrong argument must be the caller's one clear error, raised at the call, not a
``TypeError`` from deep inside a method after the search has started, and never a
silent change (a negative or NaN limit quietly turned into 0.01 s, ``1e300``
running forever). The ranges are the command line's: a seed every method accepts
(CP-SAT and torch take 32-bit seeds), a time limit of at most a year.
"""
from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Mapping
from typing import Any

from nnopt.problems import OptionError, Problem, get_problem

__all__ = ["DEVICES", "MAX_SEED", "MAX_TIME_LIMIT", "check_callback", "check_device", "check_max_evals",
           "check_method", "check_params", "check_problem", "check_seed", "check_threads", "check_time_limit",
           "instance_problem"]

#: The longest time limit accepted, in seconds: a year (as ``nnopt solve --time-limit``).
MAX_TIME_LIMIT = 365 * 24 * 3600.0
#: The largest seed every method accepts (CP-SAT and torch take 32-bit seeds).
MAX_SEED = 2**31 - 1
#: Where the methods that train networks may run.
DEVICES = ("auto", "cpu", "cuda")


def _shown(value: Any) -> str:
    return repr(value)[:80]


def _integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_time_limit(value: Any) -> float | None:
    """``None``, or the limit as a float: positive, finite, at most :data:`MAX_TIME_LIMIT`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionError(f"time_limit must be a number of seconds, got {_shown(value)}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise OptionError(f"time_limit must be a positive, finite number of seconds, got {_shown(value)}")
    if seconds > MAX_TIME_LIMIT:
        raise OptionError(f"time_limit is {seconds:g} s, above the limit of {MAX_TIME_LIMIT:g} s (a year)")
    return seconds


def check_max_evals(value: Any) -> int | None:
    """``None``, or a positive integer count of decodes."""
    if value is None:
        return None
    if not _integer(value) or value <= 0:
        raise OptionError(f"max_evals must be a positive integer (decodes), got {_shown(value)}")
    return int(value)


def check_seed(value: Any) -> int:
    """An integer in 0 .. :data:`MAX_SEED`."""
    if not _integer(value) or not 0 <= value <= MAX_SEED:
        raise OptionError(f"seed must be an integer from 0 to {MAX_SEED}, got {_shown(value)}")
    return int(value)


def check_threads(value: Any) -> int | None:
    """``None`` (all cores), or a positive integer."""
    if value is None:
        return None
    if not _integer(value) or value <= 0:
        raise OptionError(f"threads must be a positive integer or None (all cores), got {_shown(value)}")
    return int(value)


def check_device(value: Any) -> str:
    """One of :data:`DEVICES`; ``"cuda"`` only where torch sees a CUDA GPU (``"auto"`` falls back to the CPU)."""
    if not isinstance(value, str) or value not in DEVICES:
        raise OptionError(f"device must be one of {', '.join(map(repr, DEVICES))}, got {_shown(value)}")
    if value == "cuda":
        try:
            import torch
        except ImportError:
            raise OptionError("device 'cuda': torch is not installed (use device='cpu')") from None
        if not torch.cuda.is_available():
            raise OptionError("device 'cuda': no CUDA GPU is available (use device='auto' or 'cpu')")
    return value


def check_method(value: Any) -> str:
    """A method name (whether one is registered under it is the registry's question)."""
    if not isinstance(value, str) or not value:
        raise OptionError(f"method must be a method's name such as 'nnopt' (see nnopt.available_methods()), "
                          f"got {_shown(value)}")
    return value


def check_problem(value: Any) -> str | None:
    """``None`` or a problem's name."""
    if value is not None and not isinstance(value, str):
        raise OptionError(f"problem must be a problem's name such as 'binpack2d' (see nnopt.available_problems()), "
                          f"got {_shown(value)}")
    return value


def check_callback(name: str, value: Any) -> Callable[..., Any] | None:
    """``None`` or something callable."""
    if value is not None and not callable(value):
        raise OptionError(f"{name} must be a function or None, got {_shown(value)}")
    return value


def _param_text(key: str, value: Any) -> str:
    """A parameter's value as the method's string choice: ``True`` / ``False`` are ``on`` / ``off``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real) and math.isfinite(float(value)):
        return str(value)
    raise OptionError(f"params[{key!r}] must be a string, a number or True/False, got {_shown(value)}")


def check_params(value: Any) -> dict[str, str]:
    """A method's parameters, ``{"order": "area", "recombine": False}``, as the method's string choices."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise OptionError(f"params must be a dict of parameter names to values, got {_shown(value)}")
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key.isidentifier():
            raise OptionError(f"params: a parameter's name must be a word such as 'order', got {_shown(key)}")
        out[key] = _param_text(key, item)
    return out


def instance_problem(instance: Any, problem: str | None) -> tuple[Problem, Any]:
    """The problem and the instance object to solve, from an instance object (not a path).

    The problem comes from ``problem`` or the instance's type (its ``problem_name``);
    a ``(problem, instance)`` pair, as :func:`nnopt.load_instance` returns, is taken
    as it is. A mapping, bytes or a number is refused with what to pass instead.
    """
    if isinstance(instance, tuple) and len(instance) == 2 and isinstance(instance[0], Problem):
        prob, inst = instance
        return (prob, inst) if problem is None else (_reader_of(problem, prob), inst)
    if isinstance(instance, Mapping):
        raise OptionError("instance is a mapping; build an instance object from it (nnopt.binpack2d.Instance(...), "
                          "nnopt.get_problem(NAME).load(mapping)) or pass the path of its file")
    if isinstance(instance, (bytes, bytearray)):
        raise OptionError(f"instance is bytes; pass a path as str or pathlib.Path (os.fsdecode(path)), "
                          f"got {_shown(instance)}")
    if instance is None or isinstance(instance, (numbers.Number, tuple, list, set, frozenset)):
        raise OptionError(f"instance must be an instance object (e.g. nnopt.binpack2d.Instance(...)), a "
                          f"(problem, instance) pair from nnopt.load_instance, or a file path; got "
                          f"{type(instance).__name__} {_shown(instance)}")
    own = getattr(type(instance), "problem_name", None)
    if problem is None:
        if not isinstance(own, str):
            raise OptionError(f"cannot tell the problem of a {type(instance).__name__} instance: pass problem=NAME")
        return get_problem(own).for_instance(instance), instance
    if isinstance(own, str) and own != problem:
        return _reader_of(problem, get_problem(own)), instance
    return get_problem(problem).for_instance(instance), instance


def _reader_of(name: str, owner: Problem) -> Problem:
    """The problem ``name``, when it reads ``owner``'s instances: ``owner`` itself or a subclass of it."""
    prob = get_problem(name)
    if not isinstance(prob, type(owner)):
        raise OptionError(f"the instance is a {owner.name} instance, but problem={name!r}")
    return prob


def is_path(instance: Any) -> bool:
    """Whether ``instance`` names a file (``str`` or ``os.PathLike`` of text; bytes paths are refused)."""
    return isinstance(instance, str) or (isinstance(instance, os.PathLike) and
                                         isinstance(os.fspath(instance), str))

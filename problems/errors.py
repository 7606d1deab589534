"""The one error family a user can cause, at the bottom layer so every room can raise it.

Everything a user can get wrong — an instance, a solution file, a problem or
method name, a dataset, an option — raises a subclass of :class:`NnoptError`, so
the command line maps one type to one line on stderr and exit code 2. Bugs in
nnopt raise anything else and keep their traceback.
"""
from __future__ import annotations

__all__ = ["NnoptError", "OptionError"]


class NnoptError(Exception):
    """Base of every error caused by what the user handed in; its message is one line."""


class OptionError(NnoptError, ValueError):
    """An option or parameter value is invalid (names the option and the value)."""

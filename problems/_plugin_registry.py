"""One name -> plugin map, for anything nnopt discovers through entry points (problems, methods).

What every such map needs is the same: the shipped entries, the entries that
installed distributions advertise in an entry point group, loading an entry only
when it is asked for and caching it, validating it against its contract, and
turning a clash of names, a plugin that fails to import or one that breaks the
contract into a :class:`PluginWarning` that names the distribution and the
cause, so that everything else keeps working. :class:`PluginRegistry` does that
once; the problem registry (:mod:`nnopt.problems._registry`) and the method
registry (:mod:`nnopt.solver._method_registry`) are instances of it with their
own group, kind and validation. It lives at the bottom layer so that both may
import it.
"""
from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Generic, TypeVar

__all__ = ["PluginEntry", "PluginRegistry", "PluginWarning", "import_target"]

T = TypeVar("T")
#: The name a shipped plugin's origin is shown with.
SHIPPED_ORIGIN = "nnopt (shipped)"


class PluginWarning(UserWarning):
    """A plugin was skipped (duplicate name, import failure, contract breach)."""


@dataclass
class PluginEntry(Generic[T]):
    """One registered name: where it comes from (``origin``, ``target``) and, once loaded, its ``value``.

    ``loader`` imports the value on first use; ``error`` says why it could not be used.
    """

    name: str
    origin: str
    target: str
    loader: Callable[[], object] | None = None
    value: T | None = None
    error: str | None = field(default=None)


def import_target(target: str) -> object:
    """The object a ``module:attr.attr`` target names, imported."""
    module, _, attr = target.partition(":")
    obj: object = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class PluginRegistry(Generic[T]):
    """A lazily discovered name -> entry map of one kind of plugin.

    ``group``: the entry point group installed distributions advertise in.
    ``kind``: the word the warnings use (``"problem"`` gives "problem plugin 'x' ... skipped").
    ``validate(obj, expected_name)``: the loaded object checked against its contract and returned
    as the value (raises, naming the breach, otherwise).
    ``shipped_targets``: name -> ``module:attr`` of shipped entries, imported when first asked for.
    ``shipped_modules``: modules whose import registers shipped entries (through :meth:`register`),
    imported when the map is first needed.
    ``entry_type``: the :class:`PluginEntry` subclass the map holds.
    ``discover_before_register``: whether :meth:`register` first discovers the installed plugins, so
    that a name they took is a clash; off where registering happens while the shipped modules are
    imported (discovery imports them).
    """

    def __init__(
        self,
        *,
        group: str,
        kind: str,
        validate: Callable[[object, str | None], T],
        shipped_targets: Mapping[str, str] | None = None,
        shipped_modules: Iterable[str] = (),
        entry_type: type[PluginEntry[T]] = PluginEntry,
        discover_before_register: bool = True,
    ) -> None:
        self.group, self.kind, self.validate = group, kind, validate
        self.shipped_targets = dict(shipped_targets or {})
        self.shipped_modules = tuple(shipped_modules)
        self.entry_type = entry_type
        self.discover_before_register = discover_before_register
        self._entries: dict[str, PluginEntry[T]] = {}
        self._discovered = False

    # ------------------------------------------------------------------ the map
    def entries(self) -> dict[str, PluginEntry[T]]:
        """The map, in registration order, discovered on first use (nothing is loaded)."""
        if not self._discovered:
            self._discover()
        return self._entries

    def _discover(self) -> None:
        self._discovered = True  # set first: the shipped modules imported below call register
        for name, target in self.shipped_targets.items():
            if name not in self._entries:
                self._entries[name] = self.entry_type(name, SHIPPED_ORIGIN, target,
                                                      loader=functools.partial(import_target, target))
        for module in self.shipped_modules:
            importlib.import_module(module)
        try:
            eps = list(entry_points(group=self.group))
        except Exception as exc:  # a corrupt installed distribution must not break nnopt
            warnings.warn(f"could not read '{self.group}' entry points: {exc}", PluginWarning, stacklevel=4)
            eps = []
        for ep in sorted(eps, key=lambda e: (e.name, e.value)):
            dist = getattr(ep, "dist", None)
            origin = f"{dist.name} {dist.version}" if dist is not None else f"entry point {ep.value}"
            first = self._entries.get(ep.name)
            if first is not None:
                if first.target != ep.value:  # the same target advertised twice (an editable install) is no clash
                    warnings.warn(f"{self.kind} plugin {ep.name!r} from {origin} ({ep.value}) ignored: the name is "
                                  f"already taken by {first.origin} ({first.target})", PluginWarning, stacklevel=4)
                continue
            self._entries[ep.name] = self.entry_type(ep.name, origin, ep.value, loader=ep.load)

    def load(self, entry: PluginEntry[T]) -> T | None:
        """The entry's value, imported and validated on first use; None (and a warning, once) if unusable."""
        if entry.value is not None or entry.error is not None:
            return entry.value
        assert entry.loader is not None
        try:
            entry.value = self.validate(entry.loader(), entry.name)
        except Exception as exc:
            entry.error = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"{self.kind} plugin {entry.name!r} from {entry.origin} ({entry.target}) skipped: "
                          f"{entry.error}", PluginWarning, stacklevel=4)
        return entry.value

    def loaded(self) -> list[PluginEntry[T]]:
        """Every entry, loaded (broken ones keep their ``error``), in registration order."""
        entries = list(self.entries().values())
        for entry in entries:
            self.load(entry)
        return entries

    # ------------------------------------------------------------------ changes at run time
    def register(self, name: str, value: T, *, origin: str, target: str, shown: str, replace: bool = False) -> None:
        """Put a validated ``value`` under ``name`` now.

        A name taken by another target is a ``ValueError`` naming both (``shown`` is how the new
        one is named there), unless ``replace``. The same target again (a module imported twice,
        a shipped class registered by hand) replaces the value and keeps the first origin.
        """
        entries = self.entries() if self.discover_before_register else self._entries
        first = entries.get(name)
        if first is not None and first.target == target:
            origin = first.origin
        elif first is not None and not replace:
            raise ValueError(f"{self.kind} name {name!r} is already taken by {first.origin} ({first.target}); "
                             f"cannot register {shown} (pass replace=True to override)")
        entries[name] = self.entry_type(name, origin, target, value=value)

    def unregister(self, name: str) -> None:
        """Forget ``name`` (tests, notebooks)."""
        self.entries().pop(name, None)

    def reset(self) -> None:
        """Forget everything but what the shipped modules registered on import; the next use discovers again."""
        shipped = {n: e for n, e in self._entries.items() if e.origin == SHIPPED_ORIGIN and e.loader is None}
        self._entries, self._discovered = shipped, False

    def __repr__(self) -> str:
        state = f"{len(self._entries)} entries" if self._discovered else "not discovered yet"
        return f"PluginRegistry({self.kind!r}, {self.group!r}, {state})"


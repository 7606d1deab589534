"""Which compiled kernels a method needs, and whether Numba's disk cache holds them.

Numba compiles a kernel the first time it runs and keeps the machine code on
disk (``cache=True``). After a plain ``pip install`` nothing is on disk yet, so
the first timed solve would spend its limit compiling (about 34 s of one core
for the default method) and overrun it. The command line asks this
module, before the clock matters, whether the chosen method's kernels are
cached; when they are not, it compiles them first, on generated instances, and
says so on its first line.

Which kernels a method uses is known only after it has run, so a run records
their names in a small manifest (``nnopt-kernels.json``) kept where Numba keeps
this package's cache: deleting the cache deletes the manifest with it. A method
is *warm* when the manifest names its kernels and each of them has a valid
index file on disk (Numba's own check: same source stamp, same Numba version).
A method the manifest does not know yet counts as cold only on a fresh install
(none of its problem's kernels cached, :func:`nothing_cached`): rehearsing it
on a warm cache would cost seconds for nothing (a CP-SAT or OR-Tools method runs
its full default time per rehearsal). Nothing here compiles anything.
"""
from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["compile_listener", "is_warm", "kernels_of", "loaded_kernels", "manifest_key", "nothing_cached",
           "prepare_target", "record_kernels"]

MANIFEST_NAME = "nnopt-kernels.json"
#: Top-level packages whose modules never hold nnopt's or a plugin's cached kernels (skipped when scanning).
_NOT_KERNEL_PACKAGES = frozenset({
    "numba", "numpy", "scipy", "llvmlite", "torch", "ortools", "google", "rich", "click", "matplotlib",
    "PIL", "networkx", "pandas", "dask", "distributed", "sympy", "pygments", "importlib", "encodings",
    "collections", "email", "json", "typing", "ctypes", "unittest", "xml", "http", "urllib", "concurrent",
    "asyncio", "multiprocessing", "logging", "_pytest", "pytest", "pluggy", "hypothesis", "setuptools",
    "pkg_resources", "_distutils_hack", "distutils", "markdown_it", "mdurl", "fsspec", "jinja2",
})


def manifest_key(problem: str, method: str) -> str:
    """The manifest entry of ``method`` (its label, parameters included) on ``problem``."""
    return f"{problem}/{method}"


def _manifest_path() -> Path | None:
    """Where Numba caches this module's functions (its ``__pycache__``, or ``NUMBA_CACHE_DIR``)."""
    try:
        from numba.core.caching import FunctionCache

        return Path(FunctionCache(manifest_key)._cache_path) / MANIFEST_NAME
    except Exception:  # no writable cache location at all: nothing is ever warm, nothing recorded
        return None


def _read_manifest(path: Path | None) -> dict[str, list[str]]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_cached_dispatcher(value: Any) -> bool:
    from numba.core.caching import FunctionCache
    from numba.core.dispatcher import Dispatcher

    return isinstance(value, Dispatcher) and isinstance(getattr(value, "_cache", None), FunctionCache)


def loaded_kernels() -> list[str]:
    """``module:qualname`` of every disk-cached Numba kernel this process has compiled or loaded."""
    if "numba" not in sys.modules:
        return []
    found = set()
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] in _NOT_KERNEL_PACKAGES:
            continue
        try:
            values = list(vars(module).values())
        except TypeError:
            continue
        for value in values:
            if _is_cached_dispatcher(value) and value.overloads:
                func = value.py_func
                found.add(f"{func.__module__}:{func.__qualname__}")
    return sorted(found)


def _other_problem(kernel: str, own_package: str) -> bool:
    """Whether ``kernel`` belongs to a shipped problem other than the one in ``own_package``."""
    return kernel.startswith("nnopt.problems.") and not kernel.startswith(own_package + ".")


def record_kernels(key: str, problem: Any, *, replace: bool = False) -> None:
    """Record the kernels loaded in this process as ``key``'s, added to those recorded before.

    Kernels of the other shipped problems (loaded by an earlier warm-up in the
    same process) are left out: checking them would import their problem.

    With ``replace`` they become the whole entry: a rehearsal of the method
    (``_warmup.compile_method``) records its full path that way, so a name that
    no longer loads on its own (a kernel only ever called from another, cached,
    kernel) does not keep the method cold forever. A manifest that cannot be
    written (read-only cache, full disk) is skipped: the next run then compiles
    ahead again, which costs time but never a result.
    """
    from nnopt.problems._files import atomic_write_text

    path = _manifest_path()
    own = type(problem).__module__.rpartition(".")[0]
    names = [k for k in loaded_kernels() if not _other_problem(k, own)]
    if path is None or not names:
        return
    data = _read_manifest(path)
    merged = sorted(set(names) if replace else set(data.get(key, [])) | set(names))
    if merged == data.get(key):
        return
    data[key] = merged
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass


def _kernel(name: str) -> Any:
    module_name, _, qualname = name.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def kernels_of(key: str) -> list[str]:
    """The kernels the manifest records for ``key`` (empty when unknown)."""
    return list(_read_manifest(_manifest_path()).get(key, []))


def prepare_target() -> None:
    """Build Numba's code-generation context now (about 0.3 s once per process, scipy's BLAS included).

    Loading the first cached kernel builds it anyway; doing it first lets a
    caller measure its whole start-up before the search begins.
    """
    from numba.core.registry import cpu_target

    cpu_target.target_context.refresh()


def nothing_cached(problem: Any) -> bool:
    """Whether none of the kernels that ``problem``'s package has imported so far is on disk (a fresh install).

    Stops at the first cached one, so a warm cache answers in about a millisecond.
    A problem that has imported no cached kernels has nothing to compile: no.
    """
    package = type(problem).__module__.rpartition(".")[0] + "."
    seen = False
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(package):
            continue
        for value in list(vars(module).values()):
            if _is_cached_dispatcher(value) and value.py_func.__module__ == name:
                if value._cache._cache_file._load_index():
                    return False
                seen = True
    return seen


def is_warm(key: str) -> bool:
    """Whether the manifest names ``key``'s kernels and Numba's cache holds a fresh index for each.

    Reads index files only (a few milliseconds); a kernel whose module or name
    is gone, or whose source changed since it was cached, makes the answer no.
    """
    names = _read_manifest(_manifest_path()).get(key)
    if not names:
        return False
    for name in names:
        try:
            kernel = _kernel(name)
        except (ImportError, AttributeError):
            return False
        if not _is_cached_dispatcher(kernel) or not kernel._cache._cache_file._load_index():
            return False
    return True


@contextmanager
def compile_listener(on_first: Callable[[], None]) -> Iterator[list[float]]:
    """Within the block, ``on_first()`` runs once, just before Numba starts its first compilation.

    Loading a kernel from the disk cache is not a compilation and does not
    trigger it. Yields a one-element list that holds, after the block, the
    seconds spent compiling.
    """
    from numba.core import event

    spent = [0.0]
    depth = [0, 0.0]  # open compilations, and when the outermost began
    announced = [False]

    class _Listener(event.Listener):
        def on_start(self, ev: Any) -> None:
            if not announced[0]:
                announced[0] = True
                on_first()
            if depth[0] == 0:
                depth[1] = time.perf_counter()
            depth[0] += 1

        def on_end(self, ev: Any) -> None:
            depth[0] -= 1
            if depth[0] == 0:  # nested compilations (a kernel calling a kernel) count once
                spent[0] += time.perf_counter() - depth[1]

    listener = _Listener()
    event.register("numba:compile", listener)
    try:
        yield spent
    finally:
        event.unregister("numba:compile", listener)

"""The binpack2d problem: 2D bin packing of rectangles into identical bins.

Encodings:

- "keys": one priority key per item (items are inserted in ascending key
  order) and, when rotation is allowed, one orientation key per item (>= 0.5
  means turned by 90 degrees).
- "assignment": a soft item-to-bin assignment ``A`` (n x U, item-major; item i
  targets bin ``argmax A[i]``, ties to the lowest bin), U the bins of the best
  heuristic packing, then the same orientation keys. Keys move items through
  one global order, so a small change to one key can reshuffle every later
  bin; a gradient step on ``A`` moves one item from one bin to another, a local
  change, which is what a search or input descent can exploit. Each bin is
  packed with its own items first, in descending order of their own value
  (a heuristic packing's row records its insertion order there, so it decodes
  to that very packing); what does not fit is repaired by the rule's usual
  bin choice (see ``_kernels.pack_assigned_batch``).
- "keys+rule": the keys encoding (priority keys, then orientation keys with
  rotation) followed by one *rule gene* per item: gene g picks the MaxRects
  score that places that item, ``RULE_GENE_DECODERS[floor(5 g)]`` (BSSF, BLSF,
  BAF, BL, CP), the bin chosen globally best by that item's score (``_rule_kernels``).
  The genes carry the placement, so the ``decoder`` argument is ignored (any
  known name is accepted, so a search can pass its usual decoders; the
  ``encoding_search_decoders`` entry tells searches one is enough). This is
  BRKGA's per-item placement gene (Gonçalves & Resende 2013). Above
  ``LARGE_ITEMS`` it decodes whole rows (no windows, no deadline check per row).

The decoders are the Numba placement rules of ``_kernels``; every decoded
packing is feasible by construction and is then guarded by the independent
``_checker``.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from nnopt.problems._deadline import deadline_passed, seconds_to_deadline
from nnopt.problems.base import InstanceError, Problem, Proof, SolutionError
from nnopt.problems.binpack2d import _bin_pool, _ruin
from nnopt.problems.binpack2d._bestfit_kernels import BESTFIT_DECODER, pack_bestfit_batch
from nnopt.problems.binpack2d._bounds import lower_bound as _lower_bound
from nnopt.problems.binpack2d._checker import check_packing
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance, load_binpack
from nnopt.problems.binpack2d._generate import generate_instance
from nnopt.problems.binpack2d._instance import BinPackInstance, count_2bp_instances, read_instance
from nnopt.problems.binpack2d._kernels import (
    BIN_CHOICE,
    BIN_FIRST_FIT,
    BIN_GLOBAL_BEST,
    RULE_NAMES,
    RULE_SHELF_FBS,
    RULE_SHELF_NF,
    pack_assigned_batch,
    pack_batch,
)
from nnopt.problems.binpack2d._rule_kernels import RULE_GENE_DECODERS, pack_rule_batch, rule_indices
from nnopt.problems.binpack2d._solution import Packing, packing_from_json, packing_to_json
from nnopt.problems.binpack2d._tokens import item_token_features
from nnopt.problems.binpack2d._views import PackingViews
from nnopt.problems.binpack2d._windows import (
    LARGE_ITEMS,
    ROW_CHECK_ITEMS,
    pack_in_windows,
    piece_fits,
    timed_piece,
)
from nnopt.problems.capabilities import (
    ComponentFeatures,
    FileFormats,
    PoolFeatures,
    Pooling,
    Proofs,
    Rendering,
    SolutionSearch,
    TokenFeatures,
)

__all__ = ["BinPack2D", "ORIENTATIONS", "PackingBatch", "SORT_KEYS", "order_keys"]

#: The classic sort orders (descending), as functions of placed (width, height);
#: the last three are rectpack's extra orders, which win on some instances.
SORT_KEYS = {
    "area": lambda w, h: w * h,
    "perimeter": lambda w, h: w + h,
    "max-side": lambda w, h: np.maximum(w, h),
    "height": lambda w, h: h * (int(w.max()) + 1) + w,
    "width": lambda w, h: w * (int(h.max()) + 1) + h,
    "min-side": lambda w, h: np.minimum(w, h),
    "side-difference": lambda w, h: np.abs(w - h),
    "aspect-ratio": lambda w, h: w / h,
}


#: Values of a heuristic packing's assignment rows: an item's own bin and every other bin.
#: The gap decides how far a search must move to take an item out of its bin. With
#: 0.75 / 0.25 CEM's Gaussian (spread 0.08) almost never moved one (a 4.4-sigma step).
#: Chosen with CEM (2,000 decodes) on 16 generated instances (classes 1-10, n = 60, seeds
#: 3000+, not the classic set): summed cost 216.0 / 215.9 / 215.3 / 214.8 / 215.2 / 215.2
#: for own = 0.75 / 0.68 / 0.62 / 0.56 / 0.53 / 0.51 (CEM on the keys: 214.8).
ASSIGNMENT_OWN = 0.56
ASSIGNMENT_OTHER = 0.44
#: Own values of a heuristic row spread over [OWN, OWN + SPAN] by insertion order (earliest highest).
ASSIGNMENT_ORDER_SPAN = 0.04
#: Most values (items x bins) the "assignment" encoding is built with. A search holds a few
#: rows of it and their float64 statistics (CEM's mean and spread, a network's first layer):
#: at this size a few hundred MB and batches that decode in well under a second. Above it the
#: memory grows with the square of the instance (20,000 items: tens of GB), so it is refused.
MAX_ASSIGNMENT_VALUES = 1_000_000


def _refuse_large_assignment(instance: BinPackInstance, bins: int, at_least: bool = False) -> None:
    """One line instead of an out-of-memory death when ``items x bins`` exceeds ``MAX_ASSIGNMENT_VALUES``."""
    values = instance.n * max(1, bins)
    if values > MAX_ASSIGNMENT_VALUES:
        raise InstanceError(f"instance {instance.name!r}: the assignment encoding would hold {instance.n:,} items x "
                            f"{'at least ' if at_least else ''}{bins:,} bins = {values:,} values, over the "
                            f"{MAX_ASSIGNMENT_VALUES:,} it is built for (memory grows with the square of the "
                            "instance); use a method on the keys encoding (nnopt, cem)")


def assignment_orders(A: np.ndarray, targets: np.ndarray, instance: BinPackInstance) -> np.ndarray:
    """The order in which each bin receives its items: descending value in the item's own column.

    Ties (e.g. hand-written 0/1 rows) fall back to descending area, then id — the
    classic order. ``A`` is ``(B, n, U)``, ``targets`` its argmax; returns int64 ``(B, n)``.
    """
    own = np.take_along_axis(A, targets[..., None], axis=2)[..., 0]
    area_rank = np.empty(instance.n, dtype=np.int64)
    area_rank[np.lexsort((np.arange(instance.n), -(instance.widths * instance.heights)))] = np.arange(instance.n)
    return np.lexsort((np.broadcast_to(area_rank, own.shape), -own), axis=-1).astype(np.int64)

#: Orientation policies of the sort-order heuristics (rotation only).
ORIENTATIONS = ("as-given", "flat", "standing")


def order_keys(order: np.ndarray) -> np.ndarray:
    """Priority keys in [0, 1) that make the decoders insert items in ``order``."""
    n = order.shape[0]
    keys = np.empty(n, dtype=np.float32)
    keys[order] = (np.arange(n, dtype=np.float32) + 0.5) / n
    return keys


class PackingBatch(Sequence[Packing]):
    """The decoders' output for a batch: arrays ``(B, n)``; item ``i`` is a :class:`Packing`."""

    def __init__(self, inst: BinPackInstance, bins: np.ndarray, x: np.ndarray, y: np.ndarray,
                 rotated: np.ndarray) -> None:
        self.inst, self.bins, self.x, self.y, self.rotated = inst, bins, x, y, rotated

    def __len__(self) -> int:
        return int(self.bins.shape[0])

    def __getitem__(self, i: int) -> Packing:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        rot = self.rotated[i].astype(bool)
        w = np.where(rot, self.inst.heights, self.inst.widths)
        h = np.where(rot, self.inst.widths, self.inst.heights)
        rows = np.stack([np.arange(self.inst.n), self.bins[i], self.x[i], self.y[i], w, h, rot], axis=1)
        return Packing(rows)

    def num_bins(self) -> np.ndarray:
        return self.bins.max(axis=1) + 1


class BinPack2D(SolutionSearch[BinPackInstance, Packing, _ruin.BinState],
                Pooling[BinPackInstance, Packing, _ruin.BinState, _bin_pool.BinPool],
                PoolFeatures[BinPackInstance, _bin_pool.BinPool],
                ComponentFeatures[BinPackInstance, _ruin.BinState],
                TokenFeatures[BinPackInstance],
                Proofs[BinPackInstance, Packing],
                Rendering[BinPackInstance, Packing],
                FileFormats[BinPackInstance],
                Problem[BinPackInstance, Packing]):
    """2D bin packing: pack all rectangles into as few ``W x H`` bins as possible.

    Every capability: ruin and recreate of bins, a pool of bins recombined by a set cover,
    features for the learned guides, proofs (column generation, CP-SAT), pictures, and
    ``.2bp`` files."""

    name = "binpack2d"
    description = "2D bin packing of rectangles into identical bins (optional 90-degree rotation)"
    encodings = ("keys", "assignment", "keys+rule")
    #: the order-driven rules of ``_kernels``, then the gap-driven ``skyline-bestfit`` (``_bestfit_kernels``)
    decoders = tuple(RULE_NAMES) + (BESTFIT_DECODER,)
    #: The strongest rules over the classic set; shelf and most guillotine rules
    #: trail them by 2-10 % and would only dilute a search's decodes.
    search_decoders = ("maxrects-bssf", "maxrects-cp", "maxrects-blsf", "skyline-bl", BESTFIT_DECODER)
    #: Per encoding, the decoders worth a search's budget when they differ from
    #: ``search_decoders`` (searches read them through ``search_decoders_for``): "keys+rule"
    #: ignores the decoder, so decoding a row under several would repeat it; "assignment"
    #: places items in the bins it names, which the gap-driven skyline-bestfit (choosing
    #: the bins itself) cannot do.
    encoding_search_decoders = {"keys+rule": ("maxrects-bssf",),
                                "assignment": ("maxrects-bssf", "maxrects-cp", "maxrects-blsf", "skyline-bl")}
    #: Bins to ruin drawn uniformly: at equal wall time the uniform draw never had more bins than
    #: the weakness draw (held out at 10 s 8,118 against 8,119, ``benchmarks/results/ablation.md``;
    #: classic 500 7,231 each, ``classic_10s_controls.md``), and no learned guide beat it there.
    ruin_draw = "random"
    objective_name = "bins"
    file_suffixes = (".2bp",)
    #: What ``nnopt.solve``'s result adds for this problem: ``placements`` and ``plot(ax=None)``.
    result_views = PackingViews

    # ------------------------------------------------------------------ instances
    def load(self, data: Any, *, source: str = "instance") -> BinPackInstance:
        """The classic instance; a cutting job (stock types, kerf, trims, guillotine rules, piece flags) that
        the classic form cannot say loads as a ``CuttingInstance``, which :meth:`for_instance` routes."""
        return load_binpack(data, source=source)  # type: ignore[return-value]

    def for_instance(self, instance: Any) -> Problem[Any, Any]:
        """The cutting problem for a cutting job; this problem for a classic instance."""
        if isinstance(instance, CuttingInstance):
            from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS

            return CUTTING_PLANS
        return self

    def variants(self) -> tuple[Problem[Any, Any], ...]:
        from nnopt.problems.binpack2d._cutting_problem import CUTTING_PLANS

        return (CUTTING_PLANS,)

    def read(self, path: str | Path) -> BinPackInstance:
        return read_instance(path)

    def instance_class(self, instance: BinPackInstance) -> str:
        meta = instance.meta
        klass = meta.get("class") if isinstance(meta, dict) else None
        return "" if klass is None else str(klass)

    def instances_in_file(self, path: str | Path) -> list[str]:
        """A ``.2bp`` file holds many instances: ``file.2bp:0``, ``file.2bp:1``, ..."""
        p = Path(path)
        if p.suffix.lower() != ".2bp":
            return [str(p)]
        return [f"{p}:{k}" for k in range(count_2bp_instances(p))]

    def instance_to_json(self, instance: BinPackInstance) -> dict[str, Any]:
        return instance.to_json()

    def generate(self, seed: int, **params: Any) -> BinPackInstance:
        """``klass`` (1..10, default 7), ``n`` (default 40), ``allow_rotation``, ``name``."""
        known = ("allow_rotation", "klass", "n", "name")
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ValueError(f"binpack2d instances take no parameter {unknown[0]!r} (known: {', '.join(known)})")
        params.setdefault("klass", 7)
        params.setdefault("n", 40)
        return generate_instance(seed=seed, **params)

    # ------------------------------------------------------------- search space
    def _check_encoding(self, encoding: str | None) -> str:
        """The encoding's name (None: the default, "keys"); unknown names raise ValueError."""
        if encoding is None:
            return self.encodings[0]
        if encoding not in self.encodings:
            raise ValueError(f"binpack2d has no encoding {encoding!r} (known: {', '.join(self.encodings)})")
        return encoding

    def assignment_bins(self, instance: BinPackInstance) -> int:
        """U of the "assignment" encoding: bins of the best heuristic keys packing (an upper bound)."""
        return self._assignment_start(instance)[0]

    def _assignment_start(self, instance: BinPackInstance) -> tuple[int, np.ndarray]:
        """(U, heuristic assignment rows), computed once per instance (a few hundred decodes)."""
        key = self.search_decoders_for("assignment")  # rows that replay their packing need the same decoders
        with _ASSIGNMENT_LOCK:
            cached = _ASSIGNMENT_CACHE.get(instance, {}).get(key)
        if cached is None:
            # refused before any decode is spent on it
            _refuse_large_assignment(instance, int(self.lower_bound(instance)), at_least=True)
            cached = self._compute_assignment_start(instance, key)
            with _ASSIGNMENT_LOCK:
                _ASSIGNMENT_CACHE.setdefault(instance, {})[key] = cached
        return cached

    def _compute_assignment_start(self, instance: BinPackInstance, decoders: tuple[str, ...]) -> tuple[int, np.ndarray]:
        """Decode the heuristic keys with every decoder; one-hot rows of the packings with the fewest bins.

        ``A[i, bin_i]`` = ``ASSIGNMENT_OWN`` plus up to ``ASSIGNMENT_ORDER_SPAN`` for
        earlier insertion (so every bin refills in the heuristic's order and the row
        decodes to that very packing), the rest ``ASSIGNMENT_OTHER`` (see there for
        why the gap is what it is); orientation keys 0.75 where the packing turned the item.
        """
        n = instance.n
        keys = self.heuristic_encodings(instance, "keys")
        packings = [self.decode(instance, keys, decoder=d) for d in decoders]
        U = int(min(p.num_bins().min() for p in packings))
        _refuse_large_assignment(instance, U)
        rows = []
        positions = np.argsort(np.argsort(keys[:, :n], axis=1, kind="stable"), axis=1, kind="stable")
        for p in packings:
            for r in np.flatnonzero(p.num_bins() <= U):
                A = np.full((n, U), ASSIGNMENT_OTHER, dtype=np.float32)
                # the own value also records the insertion order, so each bin replays the packing exactly
                A[np.arange(n), p.bins[r]] = ASSIGNMENT_OWN + ASSIGNMENT_ORDER_SPAN * (1 - positions[r] / n)
                row = [A.ravel()]
                if instance.allow_rotation:
                    row.append(np.where(p.rotated[r] != 0, 0.75, 0.25).astype(np.float32))
                rows.append(np.concatenate(row))
        # Duplicates out, first occurrence kept, by the rows' bytes (no value here is -0.0 or NaN):
        # np.unique(axis=0) sorts the rows as records of n x U fields, seconds for a thousand items.
        seen: set[bytes] = set()
        kept = []
        for kept_row in rows:
            if kept_row.tobytes() not in seen:
                seen.add(kept_row.tobytes())
                kept.append(kept_row)
        H = np.stack(kept)
        H.setflags(write=False)
        return U, H

    def encoding_size(self, instance: BinPackInstance, encoding: str | None = None) -> int:
        turns = instance.n if instance.allow_rotation else 0
        if self._check_encoding(encoding) == "assignment":
            return instance.n * self.assignment_bins(instance) + turns
        if encoding == "keys+rule":
            return 2 * instance.n + turns
        return instance.n + turns

    def sort_encoding(self, instance: BinPackInstance, order: str, orientation: str = "as-given") -> np.ndarray:
        """Keys that insert items in a classic descending ``order`` (see ``SORT_KEYS``).

        ``orientation`` (only with rotation): "as-given", "flat" (every item turned
        so that width >= height) or "standing" (height >= width).
        """
        if order not in SORT_KEYS:
            raise ValueError(f"unknown sort order {order!r} (known: {', '.join(SORT_KEYS)})")
        if orientation not in ORIENTATIONS:
            raise ValueError(f"unknown orientation {orientation!r} (known: {', '.join(ORIENTATIONS)})")
        w, h = instance.widths, instance.heights
        turned = np.zeros(instance.n, dtype=bool)
        if instance.allow_rotation and orientation == "flat":
            turned = h > w
        elif instance.allow_rotation and orientation == "standing":
            turned = w > h
        pw, ph = np.where(turned, h, w), np.where(turned, w, h)
        keys = order_keys(np.lexsort((np.arange(instance.n), -SORT_KEYS[order](pw, ph))))
        if instance.allow_rotation:
            keys = np.concatenate([keys, np.where(turned, 0.75, 0.25).astype(np.float32)])
        return keys

    def heuristic_encodings(self, instance: BinPackInstance, encoding: str | None = None) -> np.ndarray:
        """Every classic sort order; with rotation, in each of the three orientations.

        "assignment": the bins of those orders' packings (under every search
        decoder) that use only U bins, as near one-hot rows (see ``_assignment_start``).
        "keys+rule": those orders with every item on one rule, for each of the five
        MaxRects rules (BSSF first), so a search on it starts at least where one on
        the keys with the MaxRects decoders does.
        """
        encoding = self._check_encoding(encoding)
        if encoding == "assignment":
            return self._assignment_start(instance)[1].copy()
        if encoding == "keys+rule":
            K = self.heuristic_encodings(instance, "keys")
            return np.concatenate([
                np.concatenate([K, np.full((len(K), instance.n), _rule_gene(slot), dtype=np.float32)], axis=1)
                for slot in range(len(RULE_GENE_DECODERS))])
        orientations = ORIENTATIONS if instance.allow_rotation else ORIENTATIONS[:1]
        rows = [self.sort_encoding(instance, o, r) for r in orientations for o in SORT_KEYS]
        # first occurrence of each distinct row, by its bytes (np.unique(axis=0) sorts the
        # rows lexicographically: seconds for a million items)
        distinct = {row.tobytes(): row for row in reversed(rows)}
        return np.stack([row for row in rows if distinct.get(row.tobytes()) is row])

    def token_features(self, instance: BinPackInstance, encoding: str | None = None) -> np.ndarray | None:
        """Item features per coordinate of the keys (sizes and size ranks, see ``_tokens``), for set scorers."""
        if encoding not in (None, "keys"):
            return None
        return item_token_features(instance, self.encoding_size(instance, encoding))

    def pretrained_scorer(self, encoding: str | None = None) -> Path | None:
        """The shipped set-scorer weights (``benchmarks/pretrain_set_scorer.py``), keys encoding only."""
        path = Path(__file__).with_name("set_scorer.pt")
        return path if encoding in (None, "keys") and path.is_file() else None

    def orientations(self, instance: BinPackInstance, X: np.ndarray) -> np.ndarray:
        """Rotation flags ``(B, n)`` from the orientation keys (X's last n), forced where only one fits."""
        B, n = X.shape[0], instance.n
        if not instance.allow_rotation:
            return np.zeros((B, n), dtype=np.uint8)
        w, h = instance.widths, instance.heights
        W, H = instance.bin_width, instance.bin_height
        upright_fits = (w <= W) & (h <= H)
        turned_fits = (h <= W) & (w <= H)
        want = X[:, X.shape[1] - n:] >= 0.5  # the last n values, in either encoding
        rot = np.where(turned_fits & ~upright_fits, True, np.where(upright_fits & ~turned_fits, False, want))
        return rot.astype(np.uint8)

    def decode(self, instance: BinPackInstance, X: np.ndarray, decoder: str | None = None,
               encoding: str | None = None) -> PackingBatch:
        encoding = self._check_encoding(encoding)
        rule_name = decoder or self.decoders[0]
        if rule_name not in self.decoders:
            raise ValueError(f"binpack2d has no decoder {rule_name!r} (known: {', '.join(self.decoders)})")
        bestfit = rule_name == BESTFIT_DECODER
        rule = -1 if bestfit else RULE_NAMES[rule_name]
        if encoding == "assignment" and (bestfit or RULE_SHELF_NF <= rule <= RULE_SHELF_FBS):
            why = "it chooses the bins itself" if bestfit else "shelf rules have no per-bin placement"
            raise ValueError(f"decoder {rule_name!r} cannot decode the assignment encoding: {why} "
                             "(use a maxrects, skyline-bl/minwaste or guillotine decoder)")
        X = np.asarray(X, dtype=np.float32)
        d = self.encoding_size(instance, encoding)
        if X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"{encoding} encodings must have shape (B, {d}), got {X.shape}")
        n, B = instance.n, X.shape[0]
        if encoding == "keys+rule":
            return self._decode_rules(instance, X)
        rotated = self.orientations(instance, X)
        out_bin, out_x, out_y = (np.empty((B, n), dtype=np.int64) for _ in range(3))
        # Writable copies: read-only arrays would make Numba compile a second specialisation.
        common = (np.array(instance.widths), np.array(instance.heights), np.int64(instance.bin_width),
                  np.int64(instance.bin_height))
        choice = BIN_CHOICE.get(rule_name, BIN_FIRST_FIT)
        if encoding == "assignment":
            U = self.assignment_bins(instance)
            A = X[:, :n * U].reshape(B, n, U)
            targets = np.argmax(A, axis=2).astype(np.int64)  # ties: lowest bin
            orders = assignment_orders(A, targets, instance)
            pack_assigned_batch(*common, targets, np.int64(U), orders, rotated, rule, choice, out_bin, out_x, out_y)
        else:
            orders = np.argsort(X[:, :n], axis=1, kind="stable").astype(np.int64)
            if bestfit:
                _decode_bestfit(common, orders, bool(instance.allow_rotation), rotated, out_bin, out_x, out_y)
            elif n > LARGE_ITEMS:  # bounded cost per item, the deadline checked between windows
                pack_in_windows(*common, orders, rotated, rule, choice, out_bin, out_x, out_y)
            elif n > ROW_CHECK_ITEMS and seconds_to_deadline() is not None:  # the deadline checked per row
                pack_in_windows(*common, orders, rotated, rule, choice, out_bin, out_x, out_y, window=n)
            else:
                pack_batch(*common, orders, rotated, rule, choice, out_bin, out_x, out_y)
        return PackingBatch(instance, out_bin, out_x, out_y, rotated)

    def _decode_rules(self, instance: BinPackInstance, X: np.ndarray) -> PackingBatch:
        """The "keys+rule" decoder: insertion order and orientations as "keys", a MaxRects rule per item."""
        n, B = instance.n, X.shape[0]
        keys_part = X[:, :X.shape[1] - n]  # keys (and orientation keys): what orientations() reads last
        rotated = self.orientations(instance, keys_part)
        orders = np.argsort(X[:, :n], axis=1, kind="stable").astype(np.int64)
        rules = _RULE_GENE_IDS[rule_indices(X[:, X.shape[1] - n:])]
        out_bin, out_x, out_y = (np.empty((B, n), dtype=np.int64) for _ in range(3))
        common = (np.array(instance.widths), np.array(instance.heights), np.int64(instance.bin_width),
                  np.int64(instance.bin_height))
        genes = {"rules": rules, "choices": _RULE_CHOICES}
        if n > LARGE_ITEMS:  # as the keys: bounded cost per item, the deadline checked between windows
            pack_in_windows(*common, orders, rotated, -1, BIN_FIRST_FIT, out_bin, out_x, out_y, **genes)
        elif n > ROW_CHECK_ITEMS and seconds_to_deadline() is not None:  # the deadline checked per row
            pack_in_windows(*common, orders, rotated, -1, BIN_FIRST_FIT, out_bin, out_x, out_y, window=n, **genes)
        else:
            pack_rule_batch(*common, orders, rotated, rules, _RULE_CHOICES, out_bin, out_x, out_y)
        return PackingBatch(instance, out_bin, out_x, out_y, rotated)

    def cost(self, instance: BinPackInstance, solutions: Sequence[Packing]) -> np.ndarray:
        """Bins used minus one plus the fill fraction of the least-filled bin.

        A packing whose last bin is nearly empty scores close to one bin fewer,
        which gives search and learning a slope between whole bin counts.
        """
        if isinstance(solutions, PackingBatch):
            bins = solutions.bins
        else:
            bins = np.stack([_bins_by_item(instance, s) for s in solutions]) if len(solutions) else \
                np.zeros((0, instance.n), dtype=np.int64)
        B, n = bins.shape
        if B == 0:
            return np.zeros(0)
        area = (instance.widths * instance.heights).astype(np.float64)
        filled = np.zeros((B, n))
        np.add.at(filled, (np.repeat(np.arange(B), n), bins.ravel()), np.tile(area, B))
        used = bins.max(axis=1) + 1
        filled[np.arange(n)[None, :] >= used[:, None]] = np.inf
        least = filled.min(axis=1) / instance.bin_area
        return (used - 1 + least).astype(np.float64)

    def objective(self, instance: BinPackInstance, solution: Packing) -> float:
        return float(solution.num_bins)

    def lower_bound(self, instance: BinPackInstance) -> float:
        """The bound of ``_bounds``, computed once per instance (a search and ``solve`` both ask)."""
        with _ASSIGNMENT_LOCK:
            cached = _BOUND_CACHE.get(instance)
        if cached is None:
            cached = float(_lower_bound(instance))
            with _ASSIGNMENT_LOCK:
                _BOUND_CACHE[instance] = cached
        return cached

    def bound_argument(self, instance: BinPackInstance) -> str:
        """Which bound gives ``lower_bound``: Martello–Vigo L2, or a dual-feasible-function bound above it."""
        from nnopt.problems.binpack2d._bounds import lower_bounds

        l2 = lower_bounds(instance)["L2"]
        return "Martello-Vigo L2 bound" if l2 >= self.lower_bound(instance) else "dual-feasible-function bound"

    def prove(self, instance: BinPackInstance, incumbent: Packing, seconds: float, threads: int | None = None,
              seed: int = 0) -> Proof:
        """The column-generation bound, then CP-SAT on "one bin fewer?" (``_prove``)."""
        from nnopt.problems.binpack2d._prove import prove_packing

        bound, better, argument = prove_packing(instance, incumbent, seconds, int(self.lower_bound(instance)),
                                                self.bound_argument(instance), threads=threads, seed=seed)
        return Proof(float(bound), better, argument)

    def check(self, instance: BinPackInstance, solution: Packing) -> list[str]:
        return check_packing(instance, solution)

    # ---------------------------------------------------------------- solutions
    def solution_to_json(self, instance: BinPackInstance, solution: Packing) -> dict[str, Any]:
        return packing_to_json(solution)

    def solution_from_json(self, instance: BinPackInstance, data: Mapping[str, Any]) -> Packing:
        return packing_from_json(data)

    def render(self, instance: BinPackInstance, solution: Packing, path: str | Path) -> None:
        from nnopt.problems.binpack2d._render import render_packing

        render_packing(instance, solution, path)

    # ------------------------------------------- solution-level search (ruin and recreate)
    #: knobs of the moves; a benchmark may swap in other settings
    recreate_settings = _ruin.RecreateSettings()
    def acceptance_slack(self, instance: BinPackInstance, state: _ruin.BinState) -> float:
        """Bins: what is left out decides; the fill tie-break only shapes (see ``solver.ruin_recreate``)."""
        return float("inf")

    def search_state(self, instance: BinPackInstance, solution: Packing) -> _ruin.BinState:
        return _ruin.state_from_packing(instance, solution)

    def tighten(self, instance: BinPackInstance, state: _ruin.BinState) -> _ruin.BinState | None:
        return _ruin.tighten_state(instance, _ruin.as_state(state))

    def weakness(self, instance: BinPackInstance, state: _ruin.BinState) -> np.ndarray:
        return _ruin.state_weakness(instance, _ruin.as_state(state))

    def ruin(self, instance: BinPackInstance, state: _ruin.BinState, components: np.ndarray,
             rng: np.random.Generator) -> _ruin.BinState:
        return _ruin.ruin_state(instance, _ruin.as_state(state), components, rng, self.recreate_settings)

    def recreate(self, instance: BinPackInstance, state: _ruin.BinState, rng: np.random.Generator) -> None:
        _ruin.recreate_state(instance, _ruin.as_state(state), rng, self.recreate_settings)

    def state_cost(self, instance: BinPackInstance, state: _ruin.BinState) -> tuple[float, float]:
        return _ruin.state_cost(instance, _ruin.as_state(state))

    def state_solution(self, instance: BinPackInstance, state: _ruin.BinState) -> Packing | None:
        return _ruin.packing_from_state(instance, _ruin.as_state(state))

    def component_features(self, instance: BinPackInstance, state: _ruin.BinState) -> np.ndarray:
        """Per bin slot: fill, relative count, item sizes, fill rank (see ``_ruin.COMPONENT_COLUMNS``)."""
        return _ruin.component_features(instance, _ruin.as_state(state))

    def pretrained_guide(self) -> Path | None:
        """The shipped ruin-guide weights (``benchmarks/pretrain_ruin_guide.py``), if present."""
        path = Path(__file__).with_name("ruin_guide.npz")
        return path if path.is_file() else None

    def new_pool(self, instance: BinPackInstance) -> _bin_pool.BinPool | None:
        """A bin pool; none above ``_bin_pool.MAX_ITEMS`` items (the master would not pay)."""
        return _bin_pool.BinPool(instance.bin_area) if instance.n <= _bin_pool.MAX_ITEMS else None

    def pool_add(self, instance: BinPackInstance, pool: _bin_pool.BinPool, state: _ruin.BinState) -> None:
        state = _ruin.as_state(state)
        _bin_pool.pool_add_state(instance, pool, state, state.changed_slots())

    def recombine(self, instance: BinPackInstance, pool: _bin_pool.BinPool, incumbent: Packing,
                  time_limit: float, seed: int, columns: np.ndarray | None = None) -> Packing | None:
        return _bin_pool.recombine_pool(instance, pool, incumbent, time_limit, seed, columns=columns)

    def pool_features(self, instance: BinPackInstance, pool: _bin_pool.BinPool) -> np.ndarray:
        return _bin_pool.pool_features(instance, pool)

    def pool_members(self, instance: BinPackInstance, pool: _bin_pool.BinPool) -> list[np.ndarray]:
        return [layout[0] for layout in pool.layouts.values()]

    def pretrained_column_filter(self) -> Path | None:
        """The shipped column-filter weights (``benchmarks/pretrain_column_filter.py``), if present."""
        path = Path(__file__).with_name("column_filter.npz")
        return path if path.is_file() else None


def _decode_bestfit(common: tuple, orders: np.ndarray, allow_rotation: bool, rotated: np.ndarray,
                    out_bin: np.ndarray, out_x: np.ndarray, out_y: np.ndarray) -> None:
    """The skyline best-fit decode of a batch; above ``ROW_CHECK_ITEMS`` under a deadline, row by row.

    The gap scans the order for its item, so no window can cut a row short; instead
    the clock is read between rows, and rows that start after the deadline are packed
    by Next Fit shelves (linear), as ``pack_in_windows`` does, so every row stays a packing.
    """
    n = orders.shape[1]
    if n <= ROW_CHECK_ITEMS or seconds_to_deadline() is None:
        pack_bestfit_batch(*common, orders, allow_rotation, rotated, out_bin, out_x, out_y)
        return
    kind = (n, BESTFIT_DECODER)
    for r in range(orders.shape[0]):
        if deadline_passed() or not piece_fits(kind):  # no time for another row: the rest by shelves
            pack_batch(*common, orders[r:], rotated[r:], RULE_SHELF_NF, BIN_FIRST_FIT, out_bin[r:], out_x[r:],
                       out_y[r:])
            return
        timed_piece(kind, partial(pack_bestfit_batch, *common, orders[r:r + 1], allow_rotation, rotated[r:r + 1],
                                  out_bin[r:r + 1], out_x[r:r + 1], out_y[r:r + 1]))


#: Per instance (weakly held, so instances are freed as usual) and per decoder
#: tuple: the "assignment" encoding's U and heuristic rows. The lock only guards
#: the dictionary; two threads may both compute an entry, with equal results.
_ASSIGNMENT_CACHE: weakref.WeakKeyDictionary[BinPackInstance, dict[tuple[str, ...], tuple[int, np.ndarray]]] = \
    weakref.WeakKeyDictionary()
_ASSIGNMENT_LOCK = threading.Lock()
#: Per instance (weakly held): its lower bound, seconds to compute for a million items.
_BOUND_CACHE: weakref.WeakKeyDictionary[BinPackInstance, float] = weakref.WeakKeyDictionary()


def _rule_gene(slot: int) -> float:
    """The rule gene in the middle of rule ``slot``'s interval (``rule_indices`` maps it back)."""
    return (slot + 0.5) / len(RULE_GENE_DECODERS)


#: RULE_* id of each rule-gene slot, and the bin choice by RULE_* id: global best for every
#: rule, also BL and CP (whose plain decoders use first fit). Measured with brkga on
#: keys+rule, 20,000 decodes, 20 classic n = 100 instances (classes 3, 5, 7, 8, 10, 1-4):
#: 463 bins with global best everywhere, 465 with each rule's plain choice.
_RULE_GENE_IDS = np.array([RULE_NAMES[d] for d in RULE_GENE_DECODERS], dtype=np.int64)
_RULE_CHOICES = np.full(len(RULE_NAMES), BIN_GLOBAL_BEST, dtype=np.int64)


def _bins_by_item(instance: BinPackInstance, packing: Packing) -> np.ndarray:
    """Bin of each item (a decoded packing places every item exactly once)."""
    rows = packing.placements
    if rows.shape[0] != instance.n:
        raise SolutionError(f"packing places {rows.shape[0]} items, instance has {instance.n}")
    out = np.empty(instance.n, dtype=np.int64)
    out[rows[:, 0]] = rows[:, 1]
    # renumber to 0.. in order of first use so that cost sees contiguous bins
    _, inverse = np.unique(out, return_inverse=True)
    return inverse.astype(np.int64)


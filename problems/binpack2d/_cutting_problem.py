"""Cutting plans through the contract: the problem object that solves binpack2d's cutting jobs.

A cutting job (:class:`._cutting_instance.CuttingInstance`) is a variant of
binpack2d, not a problem of its own: it keeps the name ``binpack2d`` and is not
registered; ``BinPack2D.for_instance`` hands out the shared :data:`CUTTING_PLANS`
for it. What the engine sees:

- the encoding ``"keys"``: one priority key per item and, when some piece may turn,
  one orientation key per item (>= 0.5: keyed turned), decoded by the guillotine
  decoders of :mod:`._guillotine_decode` (each piece that may turn is also tried
  the other way, the keyed way winning ties);
- a decoded row that ran out of limited stock becomes the job's *fallback plan*
  (the cheapest of the shelf constructor's plan and the sorted orders' decodings
  that keep the stock), so that every decoded solution is a feasible plan; a job
  for which none of them keeps the stock is refused in one line;
- ``objective``: the total cost of the sheets used (their number for one stock
  type without cost); ``cost``: the objective, less one cost step, plus that step
  times the fill of the least-filled sheet (a plan whose emptiest sheet is nearly
  empty is close to one sheet cheaper), the step being the smallest difference two
  totals can have when the prices are whole or simple fractions (else no tie-break);
- ``lower_bound``: the area bound with kerf and trims, and with one stock type the classic
  dual-feasible-function bound on the pieces grown by the kerf (:func:`._cutting_bounds.cutting_bound`);
- ``check``: the independent checker (:func:`._cutting_checker.check_cutting_plan`),
  and the cut list a solution file carries, if any, against the placements;
- the solution-level search (``SolutionSearch``): whole sheets as the components
  ruin and recreate takes apart (:mod:`._cutting_search`), so the default method
  follows CEM with it; a plan it hands out has passed the checker.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnopt.problems.base import InstanceError, Problem, SolutionError
from nnopt.problems.binpack2d import _cutting_search
from nnopt.problems.binpack2d._cutting_bounds import area_bound, cutting_bound
from nnopt.problems.binpack2d._cutting_checker import CUT_COLUMNS, Cut, check_cutting_plan, cut_sequence
from nnopt.problems.binpack2d._cutting_downsize import regroup_sheets
from nnopt.problems.binpack2d._cutting_free import free_placement
from nnopt.problems.binpack2d._cutting_instance import CuttingInstance
from nnopt.problems.binpack2d._cutting_spec import (
    CuttingJob,
    Guillotine,
    PieceType,
    StockType,
    Trim,
    cutting_to_json,
    parse_cutting,
    price_step,
)
from nnopt.problems.binpack2d._cutting_tree import tree_applies, tree_search_plan
from nnopt.problems.binpack2d._cutting_views import CuttingViews
from nnopt.problems.binpack2d._guillotine_decode import (
    CUTTING_DECODERS,
    CuttingBatch,
    decode_cutting,
    sorted_cutting_keys,
)
from nnopt.problems.binpack2d._guillotine_shelves import StockExhausted, plan_cost, shelf_plan
from nnopt.problems.capabilities import Polishing, Rendering, SolutionSearch

__all__ = ["CUTTING_PLANS", "CuttingPlan", "CuttingPlans", "generate_cutting"]

#: The decoders, the default first (best fit of the strips).
_DECODERS = ("best-fit", *(d for d in CUTTING_DECODERS if d != "best-fit"))


@dataclass(frozen=True, eq=False)
class CuttingPlan:
    """A cutting plan: ``sheets`` as the checker reads them (``[{"stock", "items": [placements]}]``),
    and ``cuts``, the cut list a solution file carried (None: none given; checked when given)."""

    sheets: list[dict[str, Any]]
    cuts: tuple[Cut, ...] | None = None


class CuttingPlanBatch(Sequence[CuttingPlan]):
    """Decoded rows as plans, built on access; rows that ran out of stock are the fallback plan."""

    def __init__(self, batch: CuttingBatch, fallback: CuttingPlan | None) -> None:
        self.batch = batch
        self.fallback = fallback

    def __len__(self) -> int:
        return len(self.batch.sheets)

    def __getitem__(self, i: int) -> CuttingPlan:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        if self.batch.sheets[i] < 0:
            assert self.fallback is not None
            return self.fallback
        return CuttingPlan(self.batch.plan(i))


def _least_fill(job: CuttingJob, plan: list[dict[str, Any]]) -> float:
    """The fill (piece area over trimmed sheet area) of the plan's least-filled sheet."""
    fills = []
    for sheet in plan:
        x0, y0, x1, y1 = job.usable(sheet["stock"])
        fills.append(sum(p["width"] * p["height"] for p in sheet["items"]) / ((x1 - x0) * (y1 - y0)))
    return min(fills) if fills else 0.0


class CuttingPlans(SolutionSearch[CuttingInstance, CuttingPlan, _cutting_search.CuttingState],
                   Polishing, Rendering, Problem[CuttingInstance, CuttingPlan]):
    """binpack2d's cutting jobs: stock types with prices and counts, kerf, trims, guillotine stages."""

    name = "binpack2d"
    description = "binpack2d cutting jobs: stock sheets with costs and counts, kerf, trims, guillotine stages"
    objective_name = "cost"
    encodings = ("keys",)
    decoders = _DECODERS
    #: What ``nnopt.solve``'s result adds: ``placements``, ``sheets`` and ``plot(ax=None)``.
    result_views = CuttingViews

    # ------------------------------------------------------------------ instances
    def load(self, data: Any, *, source: str = "instance") -> CuttingInstance:
        return CuttingInstance(parse_cutting(data, source))

    def instance_to_json(self, instance: CuttingInstance) -> dict[str, Any]:
        return cutting_to_json(instance.job)

    def instance_size(self, instance: CuttingInstance) -> int:
        return instance.n

    def instance_class(self, instance: CuttingInstance) -> str:
        """The job's ``meta.class`` (benchmark jobs carry their source's class), "" if none."""
        meta = instance.job.meta
        klass = meta.get("class") if isinstance(meta, dict) else None
        return "" if klass is None else str(klass)

    def generate(self, seed: int, **params: Any) -> CuttingInstance:
        """A random job (see :func:`generate_cutting`): ``n`` items (default 12), ``name``."""
        unknown = sorted(set(params) - {"n", "name"})
        if unknown:
            raise ValueError(f"unknown parameter {unknown[0]!r} (known: n, name)")
        return CuttingInstance(generate_cutting(seed, **params))

    # ------------------------------------------------------------- search space
    def encoding_size(self, instance: CuttingInstance, encoding: str | None = None) -> int:
        self._check_encoding(encoding)
        return 2 * instance.n if self._turns(instance) else instance.n

    def _check_encoding(self, encoding: str | None) -> None:
        if encoding not in (None, "keys"):
            raise ValueError(f"unknown encoding {encoding!r} (known: keys)")

    @staticmethod
    def _turns(instance: CuttingInstance) -> bool:
        job = instance.job
        return any(job.can_rotate(t) for t in range(len(job.pieces)))

    def heuristic_encodings(self, instance: CuttingInstance, encoding: str | None = None) -> np.ndarray:
        """The classic decreasing orders (height, width, area, perimeter; turned pieces as listed,
        laid flat and stood up)."""
        keys = sorted_cutting_keys(instance.job)
        return keys[:, : self.encoding_size(instance, encoding)].astype(np.float32)

    def decode(self, instance: CuttingInstance, X: np.ndarray, decoder: str | None = None,
               encoding: str | None = None) -> CuttingPlanBatch:
        self._check_encoding(encoding)
        decoder = decoder or self.decoders[0]
        if decoder not in CUTTING_DECODERS:
            raise ValueError(f"unknown decoder {decoder!r} (known: {', '.join(self.decoders)})")
        batch = decode_cutting(instance.job, np.asarray(X, dtype=np.float64), decoder, both_ways=True)
        fallback = self.fallback_plan(instance) if (batch.sheets < 0).any() else None
        return CuttingPlanBatch(batch, fallback)

    def fallback_plan(self, instance: CuttingInstance) -> CuttingPlan:
        """The cheapest of the shelf plan and the sorted orders' decodings that keep the stock counts
        (cached per instance); ``InstanceError`` when none does."""
        cached = _FALLBACKS.get(instance)
        if cached is not None:
            return cached
        job = instance.job
        plans = []
        try:
            plans.append(shelf_plan(job))
        except StockExhausted:
            pass
        keys = sorted_cutting_keys(job)[:, : self.encoding_size(instance)]
        for decoder in CUTTING_DECODERS:
            batch = decode_cutting(job, keys, decoder, both_ways=True)
            plans += [batch.plan(i) for i in range(len(keys)) if batch.sheets[i] >= 0]
        if not plans:
            raise InstanceError(f"{job.name}: no plan keeps the stock counts (neither the shelf constructor nor "
                                f"the sorted orders fit the pieces into the sheets in stock); add stock")
        best = CuttingPlan(min(plans, key=lambda p: (plan_cost(job, p), len(p))))
        if len(_FALLBACKS) > 64:
            _FALLBACKS.clear()
        _FALLBACKS[instance] = best
        return best

    # ------------------------------------------------------- judging solutions
    def cost(self, instance: CuttingInstance, solutions: Sequence[CuttingPlan]) -> np.ndarray:
        job = instance.job
        step = price_step(job)
        if isinstance(solutions, CuttingPlanBatch):
            out = self._batch_cost(job, solutions.batch, step)
            ran_out = solutions.batch.sheets < 0
            if ran_out.any():  # those rows are the fallback plan
                assert solutions.fallback is not None
                plan = solutions.fallback.sheets
                out[ran_out] = plan_cost(job, plan) - step + step * _least_fill(job, plan)
            return out
        out = np.empty(len(solutions))
        for i in range(len(solutions)):
            plan = solutions[i].sheets
            out[i] = plan_cost(job, plan) - step + step * _least_fill(job, plan)
        return out

    @staticmethod
    def _batch_cost(job: CuttingJob, batch: CuttingBatch, step: float) -> np.ndarray:
        B, n = batch.sheet.shape
        if B == 0:
            return np.zeros(0)
        w, h, _ = job.item_arrays()
        area = (w * h).astype(np.float64)
        filled = np.zeros((B, n))
        sheet = np.clip(batch.sheet, 0, n - 1)  # rows that ran out may hold no sheet index
        np.add.at(filled, (np.repeat(np.arange(B), n), sheet.ravel()), np.tile(area, B))
        usable = np.array([(x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in (job.usable(t) for t in range(len(job.stock)))],
                          dtype=np.float64)
        slot = np.arange(n)[None, :]
        open_ = slot < batch.sheets[:, None]
        cap = np.where(open_, usable[np.clip(batch.stock, 0, None)], 1.0)
        fill = np.where(open_, filled / cap, np.inf)
        total = np.asarray(batch.cost, dtype=np.float64)
        return total - step + step * fill.min(axis=1)

    def objective(self, instance: CuttingInstance, solution: CuttingPlan) -> float:
        return float(plan_cost(instance.job, solution.sheets))

    def lower_bound(self, instance: CuttingInstance) -> float:
        """The bound of :func:`._cutting_bounds.cutting_bound`; a job no stock in hand can hold is refused
        here, in one line, before any search starts."""
        bound = cutting_bound(instance.job)
        if math.isinf(bound):
            job = instance.job
            raise InstanceError(f"{job.name}: the sheets in stock cannot hold the pieces (the lower bound needs more "
                                f"sheets than the stock counts allow); add stock")
        return bound

    def bound_argument(self, instance: CuttingInstance) -> str:
        job = instance.job
        if len(job.stock) == 1 and cutting_bound(job) > area_bound(job):
            grown = " grown by the kerf" if job.kerf else ""
            return f"the dual-feasible-function bound on the pieces{grown}"
        return "the area bound (pieces grown by the kerf against the trimmed sheets' capacity)"

    def check(self, instance: CuttingInstance, solution: CuttingPlan) -> list[str]:
        job = instance.job
        issues = check_cutting_plan(job, solution.sheets)
        if issues or solution.cuts is None:
            return issues
        if job.guillotine is None:
            return ["the job has free placement, but the solution lists guillotine cuts"] if solution.cuts else []
        derived = cut_sequence(job, solution.sheets)
        if list(solution.cuts) != derived:
            k = next((i for i, (a, b) in enumerate(zip(solution.cuts, derived)) if a != b),
                     min(len(solution.cuts), len(derived)))
            return [f"cuts: row {k} differs from the cut sequence of the placements "
                    f"({len(solution.cuts)} cuts listed, {len(derived)} derived)"]
        return []

    def infeasible_solutions(self, instance: CuttingInstance) -> Sequence[CuttingPlan]:
        """A plan without its last sheet (items missing) and one with a sheet holding nothing."""
        plan = self.fallback_plan(instance).sheets
        return [CuttingPlan(plan[:-1]), CuttingPlan([*plan, {"stock": plan[0]["stock"], "items": []}])]

    # ---------------------------------------------------------------- solutions
    def solution_to_json(self, instance: CuttingInstance, solution: CuttingPlan) -> dict[str, Any]:
        """``{"sheets": [{"stock": INDEX, "items": [placements]}], "cuts": [...]}``; the cuts (guillotine
        jobs) in saw order, each ``{"sheet", "stage", "orientation", "position", "x0", "y0", "x1", "y1"}``."""
        sheets = [{"stock": s["stock"], "items": [dict(p) for p in s["items"]]} for s in solution.sheets]
        data: dict[str, Any] = {"sheets": sheets}
        if instance.job.guillotine is not None:
            try:
                cuts = cut_sequence(instance.job, solution.sheets)
            except (ValueError, KeyError, TypeError, IndexError):
                cuts = None  # not a cuttable plan: the checker says why
            if cuts is not None:
                data["cuts"] = [dict(zip(CUT_COLUMNS, cut)) for cut in cuts]
        return data

    def solution_from_json(self, instance: CuttingInstance, data: Mapping[str, Any]) -> CuttingPlan:
        if not isinstance(data, Mapping):
            raise SolutionError(f"a solution must be a JSON object, got {type(data).__name__}")
        sheets = data.get("sheets")
        if not isinstance(sheets, list):
            if "bins" in data:
                raise SolutionError("the solution has 'bins' (a classic packing); a cutting plan lists 'sheets'")
            raise SolutionError("field 'sheets' must be a list of {\"stock\", \"items\"} objects")
        for k, sheet in enumerate(sheets):
            if not isinstance(sheet, dict) or not isinstance(sheet.get("items"), list):
                raise SolutionError(f"sheets[{k}] must be an object with 'stock' and an 'items' list")
        cuts = None
        if "cuts" in data:
            cuts = _read_cuts(data["cuts"])
        plan = [{key: value for key, value in s.items() if key != "cuts"} for s in sheets]
        return CuttingPlan(plan, cuts)

    # ------------------------------------------- solution-level search (ruin and recreate)
    def acceptance_slack(self, instance: CuttingInstance, state: _cutting_search.CuttingState) -> float:
        """Sheets: what is left out decides; the fill tie-break only shapes (as for classic bins)."""
        return float("inf")

    def searches_few_components(self, instance: CuttingInstance) -> bool:
        """Free-placement jobs with several stock types: the recreate chooses the sheets' types
        (:mod:`._cutting_free_search`), which is what a job of one to three sheets needs most."""
        return free_placement(instance.job) and len(instance.job.stock) > 1

    def search_state(self, instance: CuttingInstance, solution: CuttingPlan) -> _cutting_search.CuttingState:
        return _cutting_search.state_from_plan(instance.job, solution.sheets)

    def tighten(self, instance: CuttingInstance,
                state: _cutting_search.CuttingState) -> _cutting_search.CuttingState | None:
        return _cutting_search.tighten_state(instance.job, _cutting_search.as_state(state))

    def weakness(self, instance: CuttingInstance, state: _cutting_search.CuttingState) -> np.ndarray:
        return _cutting_search.state_weakness(instance.job, _cutting_search.as_state(state))

    def ruin(self, instance: CuttingInstance, state: _cutting_search.CuttingState, components: np.ndarray,
             rng: np.random.Generator) -> _cutting_search.CuttingState:
        return _cutting_search.ruin_state(instance.job, _cutting_search.as_state(state), components, rng)

    def recreate(self, instance: CuttingInstance, state: _cutting_search.CuttingState,
                 rng: np.random.Generator) -> None:
        _cutting_search.recreate_state(instance.job, _cutting_search.as_state(state), rng)

    def state_cost(self, instance: CuttingInstance, state: _cutting_search.CuttingState) -> tuple[float, float]:
        return _cutting_search.state_cost(instance.job, _cutting_search.as_state(state))

    def state_solution(self, instance: CuttingInstance, state: _cutting_search.CuttingState) -> CuttingPlan | None:
        """The complete state's plan, verified by the independent checker (None otherwise)."""
        sheets = _cutting_search.plan_from_state(instance.job, _cutting_search.as_state(state))
        return None if sheets is None else CuttingPlan(sheets)

    # ---------------------------------------------------------------- pictures
    # ------------------------------------------------------------------- polishing
    #: the polish's share of the default's budget (see the class docstring of Polishing)
    polish_share = 0.5
    #: its share on free-placement jobs, where ruin and recreate packs sheets freely and buys them within the
    #: budget (:mod:`._cutting_free_search`) and the polish packs freely too (:mod:`._cutting_free`): 24
    #: Pisinger & Sigurd jobs of the larger gaps at 10 s, 1.08 % above the best known at 0.15, 0.97 % at
    #: 0.3, 1.26 % at 0.5 (one run each)
    free_polish_share = 0.3
    #: its share on guillotine jobs of one stock type, where the polish is the piece-by-piece beam search
    #: (:mod:`._cutting_tree`) and ruin and recreate plans with the same search: on the classic jobs in three
    #: stages that 1 s left above the best known, 3 reached it at 0.15, 1 at 0.3, none at 0.5; at 10 s 0.15
    #: and 0.3 reach the same (38 and 39 of the 46 jobs the decoders' recreate missed)
    tree_polish_share = 0.15
    #: its share there on jobs of at most ``FEW_SHEETS`` sheets by the bound, where the default runs CEM
    #: alone before it (ruin and recreate needs more sheets than a move ruins) and the beam search, given
    #: 8 s, reaches the best known on two of the five such classic jobs that 10 s left a sheet above it
    few_sheets_tree_share = 0.7
    FEW_SHEETS = 5

    def polish_share_of(self, instance: CuttingInstance) -> float:
        job = instance.job
        if free_placement(job):
            return self.free_polish_share
        if not tree_applies(job):
            return self.polish_share
        return self.few_sheets_tree_share if cutting_bound(job) <= self.FEW_SHEETS else self.tree_polish_share

    def polishes(self, instance: CuttingInstance) -> bool:
        """Jobs with several stock types (the polish chooses sheet types, :mod:`._cutting_downsize`) and
        guillotine jobs of one type (it searches plans piece by piece, :mod:`._cutting_tree`)."""
        return len(instance.job.stock) > 1 or tree_applies(instance.job)

    def polish(self, instance: CuttingInstance, solution: CuttingPlan, deadline: float | None, moves: int | None,
               seed: int = 0) -> CuttingPlan:
        """Sheets re-cut from cheaper sets of stock types (:func:`._cutting_downsize.regroup_sheets`), packed
        freely on free-placement jobs (:mod:`._cutting_free`); on guillotine jobs of one stock type, a plan
        of fewer sheets from the beam search (:func:`._cutting_tree.tree_search_plan`), where it finds one."""
        job = instance.job
        if len(job.stock) > 1:
            return CuttingPlan(regroup_sheets(job, solution.sheets, deadline, seed=seed, moves=moves))
        if not tree_applies(job):
            return solution
        target = math.ceil(self.lower_bound(instance) - 1e-9)
        better = tree_search_plan(job, len(solution.sheets), target, deadline, moves, seed=seed)
        return solution if better is None else CuttingPlan(better)

    def render(self, instance: CuttingInstance, solution: CuttingPlan, path: str | Path) -> None:
        from nnopt.problems.binpack2d._cutting_render import render_cutting_plan

        render_cutting_plan(instance.job, solution.sheets, path)


def _read_cuts(value: Any) -> tuple[Cut, ...]:
    if not isinstance(value, list):
        raise SolutionError("field 'cuts' must be a list of cuts")
    out = []
    for k, row in enumerate(value):
        if not isinstance(row, dict) or set(row) != set(CUT_COLUMNS):
            raise SolutionError(f"cuts[{k}] must be an object with exactly the keys {', '.join(CUT_COLUMNS)}")
        if row["orientation"] not in ("horizontal", "vertical") or not all(
                isinstance(row[c], int) and not isinstance(row[c], bool) for c in CUT_COLUMNS if c != "orientation"):
            raise SolutionError(f"cuts[{k}]: orientation must be horizontal or vertical and the rest integers")
        out.append(Cut(*(row[c] for c in CUT_COLUMNS)))
    return tuple(out)


#: Fallback plans of the jobs decoded lately (a job's plan is its own: keyed by the instance's value).
_FALLBACKS: dict[CuttingInstance, CuttingPlan] = {}

#: The one object that judges every cutting job (``BinPack2D.for_instance`` returns it).
CUTTING_PLANS = CuttingPlans()


def generate_cutting(seed: int, n: int = 12, name: str | None = None) -> CuttingJob:
    """A random cutting job of ``n`` items: one to three stock types (the largest unlimited, the others
    maybe limited and priced), kerf 0..3, trims 0..4, two or three guillotine stages, exact or not,
    any first cut (or, with several stock types, now and then free placement), rotation allowed or
    not, some pieces with their own rotation."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000:
        raise ValueError(f"n must be an integer from 1 to 10000, got {n!r}")
    rng = np.random.default_rng(seed)
    kerf = int(rng.integers(0, 4))
    trim = Trim(*(int(v) for v in rng.integers(0, 5, size=4))) if rng.random() < 0.5 else \
        Trim(*[int(rng.integers(0, 5))] * 4)
    types = int(rng.integers(1, 4))
    main_w, main_h = int(rng.integers(60, 121)), int(rng.integers(60, 121))
    priced = types > 1 and rng.random() < 0.5
    stock = [StockType(main_w, main_h, float(rng.integers(20, 60)) if priced else None)]
    for _ in range(types - 1):
        w, h = int(rng.integers(30, main_w + 1)), int(rng.integers(30, main_h + 1))
        count = int(rng.integers(0, 4)) if rng.random() < 0.6 else None
        stock.append(StockType(w, h, float(rng.integers(5, 40)) if priced else None, count))
    uw = main_w - trim.left - trim.right
    uh = main_h - trim.bottom - trim.top
    side = min(uw, uh)
    allow = bool(rng.random() < 0.5)
    kinds = max(1, (n + 1) // 2)
    counts = np.ones(kinds, dtype=int)
    for _ in range(n - kinds):
        counts[int(rng.integers(0, kinds))] += 1
    pieces = []
    for k in range(kinds):
        w = int(rng.integers(max(1, side // 10), side // 2 + 1))
        h = int(rng.integers(max(1, side // 10), side // 2 + 1))
        own = None if rng.random() < 0.6 else bool(rng.random() < 0.5)
        pieces.append(PieceType(w, h, int(counts[k]), own, f"p{k}" if rng.random() < 0.3 else None))
    guillotine: Guillotine | None = Guillotine(int(rng.integers(2, 4)), bool(rng.random() < 0.3),
                            ("horizontal", "vertical", "any")[int(rng.integers(0, 3))])
    if rng.random() < 0.5:  # the unlimited sheet listed last as often as first
        stock.append(stock.pop(0))
    if len(stock) > 1 and rng.random() < 0.3:  # free placement (with one sheet size it would be a classic job)
        guillotine = None
    job = CuttingJob(name or f"cut_{seed}_{n}", tuple(stock), tuple(pieces), allow, guillotine, kerf, trim)
    # Through the validator, so a generated job is one a file could hold (and round-trips).
    return parse_cutting(cutting_to_json(job), "generated")

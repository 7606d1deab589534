"""tsp instances: the immutable object and its two file formats.

JSON::

    {"problem": "tsp", "name": "u100", "coords": [[x, y], ...],
     "distance": "euclidean", "meta": {...}}

``problem`` may be omitted when the file is loaded as tsp; ``name`` defaults to
the file's stem; ``meta`` (provenance, generator class, ...) is kept as-is and
never interpreted. Cities are numbered 0.. in file order.

Distances. ``distance`` says how the length of an edge is measured:

- ``"euclidean"`` (the default for JSON): the real distance ``sqrt(dx² + dy²)``.
  Coordinates of any scale work (a unit square as well as kilometres), and a
  tour's length is a real number.
- ``"euc_2d"``: TSPLIB's EUC_2D, ``nint(sqrt(dx² + dy²))`` — each edge rounded to
  the nearest integer (halves up), so lengths are integers and match the
  published TSPLIB optima. TSPLIB ``.tsp`` files always load with it (TSPLIB
  defines their lengths so), and their JSON form keeps it.

TSPLIB: ``.tsp`` files with ``TYPE: TSP`` and ``EDGE_WEIGHT_TYPE: EUC_2D`` and a
``NODE_COORD_SECTION``; any other edge weight type is refused with its name.

Validation is strict (unknown keys, non-finite or huge numbers, fewer than 3
or more than :data:`MAX_CITIES` cities are errors naming the field and the
value): a tour of a silently mis-read instance is worse than none.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnopt.problems import validate
from nnopt.problems._files import read_text_file
from nnopt.problems._limits import check_name, name_from_path, shown
from nnopt.problems._numbers import strict_float, strict_int
from nnopt.problems.base import MAX_FILE_BYTES, InstanceError, read_json_file

__all__ = [
    "DISTANCES",
    "MAX_CITIES",
    "MAX_COORD",
    "TSPInstance",
    "parse_instance",
    "parse_tsplib",
    "read_instance",
]

#: Largest accepted number of cities. The lower bound and the decoder's
#: neighbour lists cost O(n²) once per instance; at this size that is about a second.
MAX_CITIES = 10_000
#: Largest accepted absolute coordinate; squares stay far inside float64's exact range
#: for the integers TSPLIB uses, and every integral coordinate writes back as an integer.
MAX_COORD = 1e9
#: Smallest accepted spread of the coordinates (unless every city is at one point): below it the
#: squares of the distances underflow in floating point and a tour of distinct cities measures 0.
MIN_SPREAD = 1e-100
#: Accepted values of the ``distance`` field (see the module doc).
DISTANCES = ("euclidean", "euc_2d")

_TOP_KEYS = {"problem", "name", "coords", "distance", "meta"}


@dataclass(frozen=True, eq=False)
class TSPInstance:
    """A validated symmetric Euclidean TSP instance; cities numbered 0..n-1.

    ``coords`` is a read-only float64 ``(n, 2)`` array; ``distance`` is one of
    :data:`DISTANCES`. Derived data the problem needs more than once (neighbour
    lists, the lower bound) is cached on the object; it never takes part in
    equality.
    """

    #: The registered problem this instance belongs to: ``nnopt.solve`` reads it, so no ``problem=`` is needed.
    problem_name: ClassVar[str] = "tsp"

    name: str
    coords: np.ndarray
    distance: str = "euclidean"
    meta_json: str = "null"
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        arr = np.array(self.coords, dtype=np.float64).reshape(-1, 2)
        arr.setflags(write=False)
        object.__setattr__(self, "coords", arr)
        if self.distance not in DISTANCES:
            raise ValueError(f"distance must be one of {DISTANCES}, got {self.distance!r}")

    @property
    def n(self) -> int:
        return int(self.coords.shape[0])

    @property
    def rounded(self) -> bool:
        """Whether edge lengths are TSPLIB's rounded integers (``euc_2d``)."""
        return self.distance == "euc_2d"

    @property
    def meta(self) -> Any:
        """The free-form ``meta`` object, as read (a fresh copy each time)."""
        return json.loads(self.meta_json)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TSPInstance):
            return NotImplemented
        return (
            self.name == other.name
            and self.distance == other.distance
            and self.meta_json == other.meta_json
            and np.array_equal(self.coords, other.coords)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.distance, self.coords.tobytes()))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "problem": "tsp",
            "name": self.name,
            "coords": [[_number(x), _number(y)] for x, y in self.coords.tolist()],
        }
        if self.distance != "euclidean":
            data["distance"] = self.distance
        meta = self.meta
        if meta is not None:
            data["meta"] = meta
        return data


def _number(v: float) -> int | float:
    """Integral coordinates write back as JSON integers (files stay as they were)."""
    return int(v) if v.is_integer() else v


def _coordinate(value: Any, where: str, source: str) -> float:
    return validate.finite_number(value, where, source, MAX_COORD)


def _city_count(n: int, where: str, source: str) -> None:
    if n < 3:
        raise InstanceError(f"{source}: {where} has {n} cities; a tour needs at least 3")
    if n > MAX_CITIES:
        raise InstanceError(f"{source}: {where} has {n} cities, above the limit of {MAX_CITIES}")


def parse_instance(data: Any, *, source: str = "instance") -> TSPInstance:
    """Validate a parsed JSON object and build the instance (see module doc)."""
    data = validate.json_object(data, source)
    validate.known_keys(data, _TOP_KEYS, "the instance", source)
    problem = data.get("problem", "tsp")
    if problem != "tsp":
        raise InstanceError(f"{source}: field 'problem' is {problem!r}, expected 'tsp'")
    name = check_name(data["name"], source) if "name" in data else name_from_path(source)
    distance = data.get("distance", "euclidean")
    if not isinstance(distance, str) or distance not in DISTANCES:
        raise InstanceError(f"{source}: field 'distance' must be one of {', '.join(map(repr, DISTANCES))}, "
                            f"got {distance!r}")

    coords = validate.required(data, "coords", source)
    if not isinstance(coords, list):
        raise InstanceError(f"{source}: field 'coords' must be a list of [x, y] pairs, got {type(coords).__name__}")
    _city_count(len(coords), "field 'coords'", source)
    xy = np.empty((len(coords), 2), dtype=np.float64)
    for k, pair in enumerate(coords):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InstanceError(f"{source}: coords[{k}] must be a pair [x, y], got {pair!r}")
        xy[k, 0] = _coordinate(pair[0], f"coords[{k}][0]", source)
        xy[k, 1] = _coordinate(pair[1], f"coords[{k}][1]", source)

    if distance == "euclidean":
        _check_spread(xy, source)
    meta_json = validate.plain_json(data.get("meta"), "field 'meta'", source)
    return TSPInstance(name=name, coords=xy, distance=distance, meta_json=meta_json)


def _check_spread(xy: np.ndarray, source: str) -> None:
    """Refuse cities so close together that real distances between them underflow to 0.

    ``sqrt(dx² + dy²)`` squares differences: below about 1e-154 the square is
    subnormal or 0, so coordinates of 1e-300 gave every tour the length 0 (and
    every search the "optimum"). Scaling them silently would report lengths in
    units the user never chose; the user can scale the file. Rounded TSPLIB
    distances (``euc_2d``) are exact integers and not affected.
    """
    spread = float(np.max(np.ptp(xy, axis=0)))
    if 0 < spread < MIN_SPREAD:
        raise InstanceError(f"{source}: field 'coords' spans only {spread:g}; distances that small underflow "
                            f"in floating point (scale the coordinates so that they span at least {MIN_SPREAD:g})")


# ----------------------------------------------------------------------------- TSPLIB

#: Specification keys accepted in a TSPLIB header (others are refused by name).
_TSPLIB_KEYS = {"NAME", "TYPE", "COMMENT", "DIMENSION", "EDGE_WEIGHT_TYPE", "NODE_COORD_TYPE",
                "DISPLAY_DATA_TYPE"}
#: Data sections that cannot belong to an EUC_2D symmetric TSP as nnopt reads it.
_TSPLIB_OTHER_SECTIONS = {"DEPOT_SECTION", "DEMAND_SECTION", "EDGE_DATA_SECTION", "FIXED_EDGES_SECTION",
                          "DISPLAY_DATA_SECTION", "TOUR_SECTION", "EDGE_WEIGHT_SECTION"}


def _tsplib_number(tok: str, lineno: int, source: str) -> float:
    try:
        value = strict_float(tok)
    except ValueError as exc:
        if tok.lstrip("+-").lower() in ("inf", "infinity", "nan"):
            value = math.nan
        else:
            raise InstanceError(f"{source}: line {lineno}: {exc}") from None
    if not math.isfinite(value):
        raise InstanceError(f"{source}: line {lineno}: coordinate must be finite, got {shown(tok)}")
    if abs(value) > MAX_COORD:
        raise InstanceError(f"{source}: line {lineno}: coordinate {shown(tok)} is beyond the limit of ±{MAX_COORD:g}")
    return value


def parse_tsplib(text: str, *, source: str = "instance.tsp") -> TSPInstance:
    """Parse a TSPLIB ``.tsp`` text of type TSP / EUC_2D (see module doc)."""
    spec: dict[str, str] = {}
    comments: list[str] = []
    lines = text.splitlines()
    pos = 0
    coords_at: int | None = None
    while pos < len(lines):
        lineno, raw = pos + 1, lines[pos].strip()
        pos += 1
        if not raw:
            continue
        if ":" in raw:
            key, _, value = raw.partition(":")
            key, value = key.strip().upper(), value.strip()
        else:
            key, value = raw.split()[0].upper(), ""
            if key in _TSPLIB_KEYS:  # "TYPE TSP": a specification line needs its colon
                raise InstanceError(f"{source}: line {lineno}: {shown(raw)} lacks the ':' between the key "
                                    f"and its value (write '{key}: ...')")
        if key == "EOF":
            break
        if key == "NODE_COORD_SECTION":
            coords_at = pos
            break
        if key in _TSPLIB_OTHER_SECTIONS:
            raise InstanceError(f"{source}: line {lineno}: section {key} is not supported "
                                "(nnopt reads TSP files with a NODE_COORD_SECTION)")
        if key not in _TSPLIB_KEYS:
            raise InstanceError(f"{source}: line {lineno}: unknown or unsupported TSPLIB key {shown(key)}")
        if key == "COMMENT":
            comments.append(value)
            continue
        if key in spec:
            raise InstanceError(f"{source}: line {lineno}: key {key} given twice")
        spec[key] = value

    kind = spec.get("TYPE")
    if kind is None:
        raise InstanceError(f"{source}: missing TYPE (expected TYPE: TSP)")
    if kind.split()[:1] != ["TSP"]:
        raise InstanceError(f"{source}: TYPE is {shown(kind)}; only symmetric TSP files are supported")
    weight = spec.get("EDGE_WEIGHT_TYPE")
    if weight is None:
        raise InstanceError(f"{source}: missing EDGE_WEIGHT_TYPE (expected EDGE_WEIGHT_TYPE: EUC_2D)")
    if weight != "EUC_2D":
        raise InstanceError(f"{source}: EDGE_WEIGHT_TYPE is {shown(weight)}; only EUC_2D is supported")
    coord_type = spec.get("NODE_COORD_TYPE", "TWOD_COORDS")
    if coord_type != "TWOD_COORDS":
        raise InstanceError(f"{source}: NODE_COORD_TYPE is {shown(coord_type)}; only TWOD_COORDS is supported")
    if "DIMENSION" not in spec:
        raise InstanceError(f"{source}: missing DIMENSION")
    try:
        n = strict_int(spec["DIMENSION"])
    except ValueError as exc:
        why = str(exc).replace("expected an integer,", "must be an integer,")
        raise InstanceError(f"{source}: DIMENSION{'' if why.startswith('must') else ':'} {why}") from None
    _city_count(n, "DIMENSION", source)
    if coords_at is None:
        raise InstanceError(f"{source}: missing NODE_COORD_SECTION")

    xy = np.full((n, 2), np.nan)
    seen = 0
    pos = coords_at
    while pos < len(lines):
        lineno, raw = pos + 1, lines[pos].strip()
        pos += 1
        if not raw:
            continue
        tokens = raw.split()
        if tokens[0].upper() == "EOF":
            break
        if seen == n:
            raise InstanceError(f"{source}: line {lineno}: more node lines than DIMENSION {n} ({shown(raw)})")
        if len(tokens) != 3:
            raise InstanceError(f"{source}: line {lineno}: expected 'id x y', got {shown(raw)}")
        try:
            node = strict_int(tokens[0])
        except ValueError as exc:
            raise InstanceError(f"{source}: line {lineno}: node id: {exc}") from None
        if not 1 <= node <= n:
            raise InstanceError(f"{source}: line {lineno}: node id {node} outside 1..{n}")
        if not np.isnan(xy[node - 1, 0]):
            raise InstanceError(f"{source}: line {lineno}: node {node} given twice")
        xy[node - 1, 0] = _tsplib_number(tokens[1], lineno, source)
        xy[node - 1, 1] = _tsplib_number(tokens[2], lineno, source)
        seen += 1
    if seen < n:
        raise InstanceError(f"{source}: NODE_COORD_SECTION has {seen} nodes, DIMENSION says {n}")

    meta: dict[str, Any] = {"source": Path(source).name}
    if comments:
        meta["comment"] = " / ".join(comments)
    name = check_name(spec["NAME"], source, "NAME") if "NAME" in spec else name_from_path(source)
    return TSPInstance(name=name, coords=xy, distance="euc_2d", meta_json=json.dumps(meta, sort_keys=True))


def read_instance(path: str | Path) -> TSPInstance:
    """Read a ``.json`` or a TSPLIB ``.tsp`` file."""
    p = Path(path)
    if p.suffix.lower() != ".tsp":
        return parse_instance(read_json_file(p, InstanceError), source=str(p))
    text = read_text_file(p, InstanceError, limit=MAX_FILE_BYTES, errors="replace")
    return parse_tsplib(text, source=str(p))

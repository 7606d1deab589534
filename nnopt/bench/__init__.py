"""``nnopt bench``: methods side by side on the same instances and seeds, every result verified.

One module per job, each importing only those above it in this list:

- :mod:`nnopt.bench.rows`: a run, its CSV row, reading rows back (imports no other bench module);
- :mod:`nnopt.bench.inputs`: the instance files and best known values a bench reads;
- :mod:`nnopt.bench.results_file`: the results file, appended durably under a lock;
- :mod:`nnopt.bench.worker`: what a worker does with one run;
- :mod:`nnopt.bench.executor`: the executor interface and the in-process executor;
- :mod:`nnopt.bench.cluster`: the Dask executor (``--jobs N``, ``--scheduler``);
- :mod:`nnopt.bench.runner`: :func:`run_bench`, one runner over any executor;
- :mod:`nnopt.bench.summary` and :mod:`nnopt.bench.stats`: the tables and the picture.
"""
from __future__ import annotations

from nnopt.bench.inputs import expand_instances, read_reference
from nnopt.bench.rows import COLUMNS, LEGACY_COLUMNS, BenchRun, Tally, read_rows, row_key, suspect_rows
from nnopt.bench.runner import run_bench
from nnopt.bench.summary import group_ratios, method_summary, pairwise_record, plot_group_ratios

__all__ = [
    "COLUMNS",
    "LEGACY_COLUMNS",
    "BenchRun",
    "Tally",
    "expand_instances",
    "group_ratios",
    "method_summary",
    "pairwise_record",
    "plot_group_ratios",
    "read_reference",
    "read_rows",
    "row_key",
    "run_bench",
    "suspect_rows",
]

"""The decoder's Numba kernel: greedy fill in key order, a batch at a time.

A pure function over arrays (no Python objects), so it is easy to test and fast:
``orders`` holds each row's items by ascending key; an item is taken when it
still fits the remaining capacity, else skipped. Every result is feasible by
construction, and rows are independent (so a batch decodes like its rows one by one).
"""
from __future__ import annotations

from numba import njit, prange

__all__ = ["greedy_fill"]


@njit(cache=True, parallel=True)
def greedy_fill(weights, values, capacity, orders, taken, packed_value):
    """Fill ``taken`` (B, n) uint8 and ``packed_value`` (B,) int64 in place."""
    B, n = orders.shape
    for r in prange(B):
        room = capacity
        total = 0
        for k in range(n):
            i = orders[r, k]
            taken[r, i] = 0
            if weights[i] <= room:
                taken[r, i] = 1
                room -= weights[i]
                total += values[i]
        packed_value[r] = total

"""The one percentile helper of the code base (benchmarks, the console's wait-time figures,
tests): `statistics.quantiles`, inclusive method (the sample's minimum and maximum are the
0th and 100th percentiles; the 50th is the usual median), at 0.1 steps."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence


def percentiles(values: Iterable[float], ps: Sequence[float]) -> list[float] | None:
    """The `ps`-th percentiles (each 0..100, to 0.1) of `values`; None without values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return [float(data[0])] * len(ps)
    cuts = statistics.quantiles(data, n=1000, method="inclusive")
    out: list[float] = []
    for p in ps:
        i = round(p * 10)
        out.append(float(data[0] if i <= 0 else data[-1] if i >= 1000 else cuts[i - 1]))
    return out


def percentile(values: Iterable[float], p: float) -> float | None:
    """The `p`-th percentile (0..100) of `values`; None without values."""
    found = percentiles(values, [p])
    return None if found is None else found[0]

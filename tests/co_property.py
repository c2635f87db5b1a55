"""Property check: CO's nearest-total lookup equals brute force on random state tables.

Imported by ``tests/test_co.py`` and also run as a script there, in a fresh process with an
empty ``NUMBA_CACHE_DIR`` (so the kernels are compiled from scratch, the situation in which an
earlier version of the search went wrong), once as compiled for use and once with
``NUMBA_BOUNDSCHECK=1`` (any read outside a table raises instead of returning garbage)::

    python tests/co_property.py CASES SEED   # prints "cases N, mismatches M"; exit 1 if M > 0

Each case draws a state table (continuous, integer multiples with exact ties and equal totals,
clustered around one huge state, or negative powers), targets (uniform over and beyond the range
of the totals, exactly on totals, exactly on and one ulp around the midpoints between neighbouring
totals, NaN and ±inf), an input dtype (float32 or float64), a base-load offset and a cell budget
(down to one cell, so that every sample takes the bisection path), and compares ``search`` with
the LUT, ``search`` decoding combination codes, and :func:`naive.co_nearest_brute`.
"""

from __future__ import annotations

import sys

import naive
import numpy as np

from nilm.kernels.co import build_index, combination_table, search


def random_states(rng) -> list[np.ndarray]:
    """One random state table (1-7 appliances, 1-4 states each)."""
    kind = int(rng.integers(4))
    n_app = int(rng.integers(1, 8 if kind != 2 else 5))
    states = []
    for j in range(n_app):
        n = int(rng.integers(1, 5))
        if kind == 0:  # continuous powers
            s = rng.random(n - 1) * 3000
        elif kind == 1:  # multiples of 25 W: equal totals and exact ties
            s = rng.integers(1, 40, n - 1) * 25.0
        elif kind == 2:  # one huge state, the rest crowded near 0: clustered totals
            s = (np.array([1e6]) if j == 0 else rng.random(n - 1) * 10)[:n - 1]
        else:  # signed powers (not produced by CO's fit, but the search must not care)
            s = rng.normal(0, 800, n - 1)
        states.append(np.unique(np.concatenate([[0.0], s])))
    return states


def random_targets(rng, states, n: int = 400) -> np.ndarray:
    sums = combination_table(states)[0]
    lo, hi = float(sums[0]), float(sums[-1])
    span = max(hi - lo, 1.0)
    mid = (sums[1:] + sums[:-1]) / 2.0
    parts = [rng.uniform(lo - 0.3 * span - 1, hi + 0.3 * span + 1, n // 2),
             rng.choice(sums, n // 8), [lo, hi, lo - 1e4, hi + 1e4, np.nan, np.inf, -np.inf]]
    if len(mid):
        m = rng.choice(mid, n // 8)
        parts += [m, np.nextafter(m, np.inf), np.nextafter(m, -np.inf)]
    t = np.concatenate(parts)
    rng.shuffle(t)
    return t


def check(cases: int, seed: int) -> list[str]:
    """Run ``cases`` random cases; a description of each mismatch."""
    rng = np.random.default_rng(seed)
    failures = []
    for case in range(cases):
        states = random_states(rng)
        offset = float(rng.choice([0.0, 60.0, -12.5]))
        target = random_targets(rng, states) + offset
        x = target.astype(np.float32) if rng.random() < 0.5 else target
        want = naive.co_nearest_brute(np.asarray(x, dtype=np.float64) - offset,
                                      states).astype(np.float32)
        max_cells = int(rng.choice([1, 2, 7, 2**22]))
        for max_lookup in (2**22, 0):
            index = build_index(states, [], max_lookup=max_lookup, max_cells=max_cells)
            got = search(x, index, offset=offset)
            if not np.array_equal(got, want, equal_nan=True):
                bad = np.flatnonzero(~np.all((got == want) | (np.isnan(got) & np.isnan(want)),
                                             axis=0))
                failures.append(f"case {case} (max_cells={max_cells}, max_lookup={max_lookup}, "
                                f"{x.dtype}): {len(bad)} samples differ, first target "
                                f"{float(x[bad[0]])!r}, states {[s.tolist() for s in states]}")
    return failures


def main(argv: list[str]) -> int:
    cases, seed = int(argv[0]), int(argv[1])
    failures = check(cases, seed)
    print(f"cases {cases}, mismatches {len(failures)}")
    for f in failures[:5]:
        print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

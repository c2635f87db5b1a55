"""Property check: Hart's edge kernels (steady states, edges, pairing with each pair's power,
painting) equal their naive twins on random step signals.

Imported by ``tests/test_edges.py`` and also run as a script there, in a fresh process with an
empty ``NUMBA_CACHE_DIR`` (every kernel compiled from scratch rather than loaded from a cache
written by an earlier version) and once with ``NUMBA_BOUNDSCHECK=1`` (a read outside an array
raises instead of returning garbage)::

    python tests/edges_property.py CASES SEED   # prints "cases N, mismatches M"; exit 1 if M > 0

Each case draws a piecewise-constant signal (levels of 0 W to 2.1 kW, Gaussian noise, NaN runs,
spikes), optionally averaged over blocks of 3 samples (steps inside coarse intervals, one-sample
steady states), a reactive channel (absent, or partly NaN), a minimum steady-state length and
pairing tolerances, and compares every kernel's output with the twin's, exactly for indices and
to 1e-12 relative for powers.
"""

from __future__ import annotations

import sys

import naive
import numpy as np

from nilm.kernels import edges as k


def random_signal(rng, n: int) -> np.ndarray:
    """Piecewise-constant steps in W with noise, NaN samples and spikes."""
    levels = rng.choice([0.0, 50.0, 120.0, 1000.0, 2100.0], size=max(n // 7 + 1, 1))
    x = np.repeat(levels, 7)[:n] + rng.normal(0, 3, n)
    if n > 10:
        x[rng.integers(0, n, n // 20)] = np.nan
        x[rng.integers(0, n, n // 30)] += 500.0
    return x


def _differs(got, want) -> bool:
    for g, w in zip(got, want, strict=True):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            return True
        if g.dtype.kind == "f":
            if not np.allclose(g, w, rtol=1e-12, atol=1e-9, equal_nan=True):
                return True
        elif not np.array_equal(g, w):
            return True
    return False


def check(cases: int, seed: int) -> list[str]:
    """Run ``cases`` random cases; a description of each mismatch."""
    rng = np.random.default_rng(seed)
    failures = []
    for case in range(cases):
        n = int(rng.integers(1, 400))
        x = random_signal(rng, n)
        if rng.random() < 0.3 and n >= 3:
            x = x[: n - n % 3].reshape(-1, 3).mean(axis=1)
        q = (np.empty(0) if rng.random() < 0.5 else
             np.where(rng.random(len(x)) < 0.1, np.nan, x * 0.2 + rng.normal(0, 5, len(x))))
        min_len = int(rng.choice([1, 2, 4]))
        tol_w, tol_frac = float(rng.choice([5.0, 30.0, 100.0])), float(rng.choice([0.0, 0.1]))
        tol_q, max_on = float(rng.choice([5.0, 30.0])), int(rng.choice([5, 50, 10**6]))
        where = f"case {case} (n={len(x)}, min_len={min_len}, reactive={q.size > 0})"

        ss = k.steady_states(x, q, 10.0, min_len)
        if _differs(ss, naive.steady_states(x, q, 10.0, min_len)):
            failures.append(f"{where}: steady_states")
            continue
        ed = k.edges_from_states(*ss, 30.0)
        if _differs(ed, naive.edges_from_states(*ss, 30.0)):
            failures.append(f"{where}: edges_from_states")
            continue
        i0, i1, before, after, dq = ed
        dp = after - before
        pairs = k.pair_edges(i0, dp, dq, tol_w, tol_frac, tol_q, max_on)
        if _differs(pairs, naive.pair_edges(i0, dp, dq, tol_w, tol_frac, tol_q, max_on)):
            failures.append(f"{where}: pair_edges (tol_w={tol_w}, max_on={max_on})")
            continue
        on, off, power = pairs
        target = rng.integers(-1, 3, len(on)).astype(np.int64)
        args = (x, i0[on], i1[on], before[on], after[on], i0[off], i1[off], before[off],
                after[off], target, power)
        got, want = np.zeros((3, len(x))), np.zeros((3, len(x)))
        k.paint_pairs(*args, got)
        naive.paint_pairs(*args, want)
        if _differs([got], [want]):
            failures.append(f"{where}: paint_pairs")
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

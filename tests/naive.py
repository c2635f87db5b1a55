"""Slow, obviously-correct twins of the Numba kernels (see DESIGN.md, testing layer 1).

Each function here is written for clarity, not speed, and is compared with its kernel on random
and adversarial inputs in the kernel's test module.
"""

import numpy as np


def hold_integrate(t, p, edges, max_gap, last_hold):
    """Twin of :func:`nilm.kernels.resample.hold_integrate`: for every sample and every bin,
    add the overlap of the sample's hold span with the bin (O(n × m) Python loops)."""
    n, m = len(t), max(len(edges) - 1, 0)
    energy = [0.0] * m
    covered = [0] * m
    for i in range(n):
        if np.isnan(p[i]):
            continue
        start = int(t[i])
        hold = (int(t[i + 1]) - start) if i + 1 < n else int(last_hold)
        end = start + min(hold, int(max_gap))
        for k in range(m):
            overlap = min(end, int(edges[k + 1])) - max(start, int(edges[k]))
            if overlap > 0:
                energy[k] += float(p[i]) * overlap
                covered[k] += overlap
    return np.array(energy, dtype=np.float64), np.array(covered, dtype=np.int64)


_PARSE_BLANKS = " \t\r"
_PARSE_INT = r"[+-]?[0-9]{1,18}"
_PARSE_FLOAT = r"[+-]?(?:[nN][aA][nN]|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"


def _parse_lines(data: bytes):
    """Lines of ``data`` split on LF (a final LF ends the last line; it does not open another)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [raw.decode("latin-1") for raw in lines]


def _drop_trailing_blank_errors(errors, last_content):
    while errors and errors[-1][1] == 4 and errors[-1][0] > last_content:
        errors.pop()
    return errors


def parse_int_float(data: bytes):
    """Twin of :func:`nilm.kernels.parse.parse_int_float`, with regular expressions and Python's
    ``int``/``float``. Returns (t, v, line, err_line, err_code) like the kernel."""
    import re

    t, v, line, errors = [], [], [], []
    last_content = 0
    for no, text in enumerate(_parse_lines(data), start=1):
        tokens = [tok for tok in re.split(f"[{_PARSE_BLANKS}]+", text) if tok]
        if not tokens:
            errors.append((no, 4))
            continue
        last_content = no
        if not re.fullmatch(_PARSE_INT, tokens[0]):
            errors.append((no, 1))
        elif len(tokens) != 2:
            errors.append((no, 3))
        elif not re.fullmatch(_PARSE_FLOAT, tokens[1]):
            errors.append((no, 2))
        else:
            t.append(int(tokens[0]))
            v.append(float(tokens[1]))
            line.append(no)
    errors = _drop_trailing_blank_errors(errors, last_content)
    return (np.array(t, dtype=np.int64), np.array(v, dtype=np.float64),
            np.array(line, dtype=np.int64), np.array([e[0] for e in errors], dtype=np.int64),
            np.array([e[1] for e in errors], dtype=np.int8))


def parse_tracebase(data: bytes):
    """Twin of :func:`nilm.kernels.parse.parse_tracebase` with ``datetime`` arithmetic.
    Returns (local naive epoch s, p1, p8, line, err_line, err_code)."""
    import re
    from datetime import datetime

    stamp = r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})[ \t]+([0-9]{1,2}):([0-9]{2}):([0-9]{2})"
    local, p1, p8, line, errors = [], [], [], [], []
    last_content = 0
    for no, text in enumerate(_parse_lines(data), start=1):
        if not text.strip(_PARSE_BLANKS):
            errors.append((no, 4))
            continue
        last_content = no
        fields = [f.strip(_PARSE_BLANKS) for f in text.split(";")]
        m = re.fullmatch(stamp, fields[0])
        when = None
        if m:
            d, mo, y, h, mi, s = (int(g) for g in m.groups())
            try:
                when = datetime(y, mo, d, h, mi, s)
            except ValueError:
                when = None
        if when is None:
            errors.append((no, 1))
        elif len(fields) != 3:
            errors.append((no, 3))
        elif not all(re.fullmatch(_PARSE_FLOAT, f) for f in fields[1:]):
            errors.append((no, 2))
        else:
            local.append(int((when - datetime(1970, 1, 1)).total_seconds()))
            p1.append(float(fields[1]))
            p8.append(float(fields[2]))
            line.append(no)
    errors = _drop_trailing_blank_errors(errors, last_content)
    return (np.array(local, dtype=np.int64), np.array(p1, dtype=np.float64),
            np.array(p8, dtype=np.float64), np.array(line, dtype=np.int64),
            np.array([e[0] for e in errors], dtype=np.int64),
            np.array([e[1] for e in errors], dtype=np.int8))


def local_to_utc(local, tz):
    """Twin of :func:`nilm.io.text.local_to_utc` for files without DST-gap times: each time
    through ``datetime``/``zoneinfo`` one by one, fold=1 from the first backward step inside a
    repeated hour on."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    out, stepped = [], False
    for i, x in enumerate(local):
        dt = datetime(1970, 1, 1) + timedelta(seconds=int(x))
        o0 = dt.replace(tzinfo=zone, fold=0).utcoffset()
        o1 = dt.replace(tzinfo=zone, fold=1).utcoffset()
        if o0 != o1 and i > 0 and local[i] < local[i - 1]:
            stepped = True
        off = o1 if (o0 != o1 and stepped) else o0
        out.append(int(x) - int(off.total_seconds()))
    return np.array(out, dtype=np.int64)


def co_search(target, exact_states, rest_states, max_iter):
    """Twin of :func:`nilm.kernels.co.co_search`: the exact group by brute force over every
    combination (itertools.product, C order), the rest group by the same coordinate descent,
    in plain Python. ``exact_states``/``rest_states`` are lists of state arrays (W).
    Returns float64 ``[h + l, n]`` (exact rows, then rest rows)."""
    import itertools

    combos = list(itertools.product(*[list(map(float, s)) for s in exact_states]))
    totals = []
    for c in combos:
        acc = 0.0
        for v in c:
            acc += v
        totals.append(acc)
    # stable order by total: among equal distances the first is the lower total, then lower code
    order = sorted(range(len(combos)), key=lambda i: totals[i])

    def nearest(t):
        best = None
        for i in order:
            if best is None or abs(t - totals[i]) < abs(t - totals[best]):
                best = i
        return best

    rest = [list(map(float, s)) for s in rest_states]
    h, nl = len(exact_states), len(rest)
    out = np.empty((h + nl, len(target)))
    for i, t in enumerate(map(float, target)):
        if not np.isfinite(t):
            out[:, i] = np.nan
            continue
        choice = [0] * nl
        rest_sum = 0.0
        for j in range(nl):
            rest_sum += rest[j][0]
        k = nearest(t - rest_sum)
        for _ in range(max_iter if nl else 0):
            changed = False
            for j in range(nl):
                others = 0.0
                for q in range(nl):
                    if q != j:
                        others += rest[q][choice[q]]
                r = t - totals[k] - others
                errs = [abs(r - v) for v in rest[j]]
                best = errs.index(min(errs))
                if best != choice[j]:
                    choice[j] = best
                    changed = True
            rest_sum = 0.0
            for j in range(nl):
                rest_sum += rest[j][choice[j]]
            k2 = nearest(t - rest_sum)
            if k2 != k:
                k, changed = k2, True
            if not changed:
                break
        out[:h, i] = combos[k]
        out[h:, i] = [rest[j][choice[j]] for j in range(nl)]
    return out


def match_events(t_true, t_pred, tolerance):
    """Twin of :func:`nilm.metrics.match_events`: the number of matched pairs of a
    maximum-cardinality bipartite matching (SciPy's Hopcroft–Karp) between events whose times
    differ by at most ``tolerance`` s. Returns an int (the kernel's ``matched.sum()``)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    adj = np.array([[abs(a - b) <= tolerance for b in t_pred] for a in t_true], dtype=float)
    if adj.size == 0 or not adj.any():
        return 0
    match = maximum_bipartite_matching(csr_matrix(adj), perm_type="column")
    return int((match >= 0).sum())


def steady_states(x, q, noise_w, min_len):
    """Twin of :func:`nilm.kernels.edges.steady_states`: cut the signal into runs (a NaN ends a
    run; a sample more than ``noise_w`` from its run's mean starts a new one), keep runs of at
    least ``min_len`` samples, flag those preceded by a NaN since the previous kept run."""
    n = len(x)
    runs, cur = [], []
    for i in range(n):
        v = float(x[i])
        if np.isnan(v):
            if cur:
                runs.append(cur)
            cur = []
            continue
        mean = sum(float(x[k]) for k in cur) / len(cur) if cur else None
        if cur and abs(v - mean) <= noise_w:
            cur.append(i)
        else:
            if cur:
                runs.append(cur)
            cur = [i]
    if cur:
        runs.append(cur)
    kept = [r for r in runs if len(r) >= min_len]
    start, stop, pm, qm, gap = [], [], [], [], []
    for j, r in enumerate(kept):
        prev_stop = kept[j - 1][-1] + 1 if j else 0
        start.append(r[0])
        stop.append(r[-1] + 1)
        pm.append(sum(float(x[k]) for k in r) / len(r))
        qs = [float(q[k]) for k in r if len(q) == n and np.isfinite(q[k])]
        qm.append(sum(qs) / len(qs) if qs else np.nan)
        gap.append(bool(np.isnan(np.asarray(x[prev_stop:r[0]], dtype=float)).any()))
    return (np.array(start, dtype=np.int64), np.array(stop, dtype=np.int64),
            np.array(pm, dtype=float), np.array(qm, dtype=float), np.array(gap, dtype=bool))


def edges_from_states(start, stop, p_mean, q_mean, after_gap, min_step_w):
    """Twin of :func:`nilm.kernels.edges.edges_from_states`: group consecutive steady states
    into staircases (gap-free, same direction, inner states one sample long) and keep the
    staircases whose total change reaches ``min_step_w``."""
    out = []
    groups = []
    j = 1
    while j < len(start):
        if after_gap[j]:
            j += 1
            continue
        group = [j - 1, j]
        up = p_mean[j] > p_mean[j - 1]
        while (p_mean[j] != p_mean[j - 1] and group[-1] + 1 < len(start)
               and stop[group[-1]] - start[group[-1]] == 1 and not after_gap[group[-1] + 1]
               and p_mean[group[-1] + 1] != p_mean[group[-1]]
               and (p_mean[group[-1] + 1] > p_mean[group[-1]]) == up):
            group.append(group[-1] + 1)
        groups.append(group)
        j = group[-1] + 1
    for g in groups:
        lo, hi = g[0], g[-1]
        if abs(p_mean[hi] - p_mean[lo]) >= min_step_w:
            out.append((stop[lo], start[hi], p_mean[lo], p_mean[hi], q_mean[hi] - q_mean[lo]))
    cols = list(zip(*out, strict=True)) if out else [[]] * 5
    return (np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64),
            np.array(cols[2], dtype=float), np.array(cols[3], dtype=float),
            np.array(cols[4], dtype=float))


def pair_edges(i0, dp, dq, tol_w, tol_frac, tol_q, max_on):
    """Twin of :func:`nilm.kernels.edges.pair_edges`: for each falling edge, list every earlier
    unmatched rising edge that fits, and take the latest. Returns ``(on, off, power)``, power in
    W being the mean of the pair's rising step and the size of its falling step."""
    matched = set()
    on, off, power = [], [], []
    for b in range(len(dp)):
        if dp[b] > 0:
            continue
        fits = []
        for a in range(b):
            if dp[a] <= 0 or a in matched or i0[b] - i0[a] > max_on:
                continue
            if abs(dp[a] + dp[b]) > tol_w + tol_frac * max(dp[a], -dp[b]):
                continue
            if (np.isfinite(dq[a]) and np.isfinite(dq[b]) and abs(dq[a] + dq[b])
                    > tol_q + tol_frac * max(abs(dq[a]), abs(dq[b]))):
                continue
            fits.append(a)
        if fits:
            matched.add(fits[-1])
            on.append(fits[-1])
            off.append(b)
            power.append(0.5 * (dp[fits[-1]] + abs(dp[b])))
    return (np.array(on, dtype=np.int64), np.array(off, dtype=np.int64),
            np.array(power, dtype=float))


def paint_pairs(x, on_i0, on_i1, on_before, on_after, off_i0, off_i1, off_before, off_after,
                target, power, out):
    """Twin of :func:`nilm.kernels.edges.paint_pairs`: for every sample, decide whether it is in
    the rising transient, the on-span or the falling transient of each pair."""
    for j in range(len(target)):
        if target[j] < 0:
            continue
        for i in range(len(x)):
            if on_i1[j] <= i < off_i0[j]:
                frac = 1.0
            elif on_i0[j] <= i < on_i1[j] and np.isfinite(x[i]) and on_after[j] != on_before[j]:
                frac = (x[i] - on_before[j]) / (on_after[j] - on_before[j])
            elif off_i0[j] <= i < off_i1[j] and np.isfinite(x[i]) and off_before[j] != off_after[j]:
                frac = (x[i] - off_after[j]) / (off_before[j] - off_after[j])
            else:
                continue
            out[target[j], i] += power[j] * min(max(frac, 0.0), 1.0)


def viterbi_kron(x, state_means, trans, init, offset, sigma):
    """Twin of :func:`nilm.disaggregate.fhmm.viterbi_factorial`: textbook Viterbi on the joint
    chain, whose transition matrix is the full Kronecker product of the per-chain matrices
    (``O(S**2)`` per step). ``trans``/``init`` are probabilities (not logs). Returns
    ``(states [C, n], log_prob)``."""
    ks = [len(m) for m in state_means]
    A = np.ones((1, 1))
    pi = np.ones(1)
    mu = np.full(1, float(offset))
    for c in range(len(ks)):
        A = np.kron(A, trans[c])
        pi = np.kron(pi, init[c])
        mu = np.add.outer(mu, state_means[c]).ravel()
    logA, logpi = np.log(A), np.log(pi)

    def emit(v):
        if np.isnan(v):
            return np.zeros(len(mu))
        return -0.5 * ((v - mu) / sigma) ** 2 - np.log(sigma * np.sqrt(2 * np.pi))

    n = len(x)
    delta = logpi + emit(x[0])
    back = np.zeros((n, len(mu)), dtype=np.int64)
    for t in range(1, n):
        cand = delta[:, None] + logA
        back[t] = np.argmax(cand, axis=0)
        delta = cand[back[t], np.arange(len(mu))] + emit(x[t])
    path = [int(np.argmax(delta))]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t][path[-1]]))
    path = np.array(path[::-1])
    return np.stack(np.unravel_index(path, ks)), float(delta.max())


def tank_naive(draw_l, allowed, temp0, on0, volume_l, power_w, setpoint_c, deadband_k, cold_c,
               ambient_c, ua_w_per_k):
    """Twin of :func:`nilm.simulate.water_heater.tank_kernel`: the one-node tank, one second at
    a time, with plain Python floats (thermostat, then draw, then heat and loss)."""
    cap = volume_l * 4186.0
    temp, on = float(temp0), bool(on0)
    power, heat, drawn, lost = [], 0.0, 0.0, 0.0
    for v, ok in zip(list(draw_l), list(allowed)):
        if on and temp >= setpoint_c:
            on = False
        elif not on and temp <= setpoint_c - deadband_k:
            on = True
        p = power_w if (on and ok) else 0.0
        if v > 0:
            mixed = min(v, volume_l) / volume_l * (temp - cold_c)
            drawn += cap * mixed
            temp -= mixed
        loss = ua_w_per_k * (temp - ambient_c)
        heat += p
        lost += loss
        temp += (p - loss) / cap
        power.append(p)
    return np.array(power, dtype=np.float32), temp, on, np.array([heat, drawn, lost])


def run_sum(t, p, i0, i1, max_gap):
    """Twin of :func:`nilm.kernels.resample._run_sum`: energy (W·s) and covered seconds of samples
    ``i0 <= i < i1`` held until the next sample, at most ``max_gap``, NaN holding nothing."""
    energy, covered = 0.0, 0
    for i in range(i0, i1):
        if not np.isnan(p[i]):
            hold = min(int(t[i + 1]) - int(t[i]), int(max_gap))
            energy += float(p[i]) * hold
            covered += hold
    return energy, covered


def fhmm_path_log_prob(x, states, state_means, trans, init, offset, sigma):
    """Log-density of a factorial-HMM state path (``states [C, n]``) and the finite observations
    ``x``, term by term: initial, transitions, Gaussian emissions (NaN observations skipped)."""
    C, n = states.shape
    lp = sum(np.log(init[c][states[c, 0]]) for c in range(C))
    for t in range(1, n):
        lp += sum(np.log(trans[c][states[c, t - 1], states[c, t]]) for c in range(C))
    for t in range(n):
        if np.isnan(x[t]):
            continue
        mu = offset + sum(state_means[c][states[c, t]] for c in range(C))
        lp += -0.5 * ((x[t] - mu) / sigma) ** 2 - np.log(sigma * np.sqrt(2 * np.pi))
    return float(lp)


def regular_clock(start, period, n, tz):
    """Twin of :func:`nilm.kernels.grid.regular_clock`, straight from pandas' time-zone
    conversion of each interval start (no offset table). Returns (day, sod)."""
    import pandas as pd

    t = start + (np.arange(n) * period).astype(np.int64)
    wall = pd.to_datetime(t, unit="s", utc=True).tz_convert(tz).tz_localize(None)
    secs = [int((w - pd.Timestamp(0)) // pd.Timedelta(seconds=1)) for w in wall]
    day = np.array([s // 86400 for s in secs], dtype=np.int64)
    sod = np.array([s % 86400 for s in secs], dtype=np.float64)
    return day, sod


def confusion_block_counts(y, p, th, length):
    """Twin of :func:`nilm.kernels.grid.confusion_block_counts`: Python loops over every pair,
    TP/FP/FN/TN by their definitions."""
    y, p = np.atleast_2d(y), np.atleast_2d(p)
    k, n = y.shape
    nb = -(-n // length)
    out = [[0, 0, 0, 0] for _ in range(nb)]
    for r in range(k):
        for i in range(n):
            a, b = float(y[r, i]), float(p[r, i])
            if not (np.isfinite(a) and np.isfinite(b)):
                continue
            t_on, p_on = a >= th[r], b >= th[r]
            col = {(True, True): 0, (False, True): 1, (True, False): 2, (False, False): 3}
            out[i // length][col[(bool(t_on), bool(p_on))]] += 1
    return np.array(out, dtype=np.float64).reshape(nb, 4)


def any_centered(mask, w):
    """Twin of :func:`nilm.kernels.grid.any_centered`: slice the window of each interval."""
    n = len(mask)
    out = np.zeros(n, bool)
    for i in range(n):
        lo = max(i - w // 2, 0)
        out[i] = bool(np.any(mask[lo:i - w // 2 + w]))
    return out


def offpeak_window(day, sod, finite, w0, length, period):
    """Twin of :func:`nilm.kernels.grid.offpeak_window` with Python floats."""
    mask = np.array([((float(s) - w0) % 86400.0) + period <= length and bool(f)
                     for s, f in zip(sod, finite)], dtype=bool)
    night = np.array([int(d) - (1 if float(s) < w0 else 0) for d, s in zip(day, sod)],
                     dtype=np.int64)
    return mask, night


def bool_timeline_share(values, start, step, grid_start, period, n, min_coverage):
    """Twin of :func:`nilm.kernels.grid.bool_timeline_share`: for each interval, add up its
    overlap with every timeline step (Python integers), then divide."""
    out = np.full(n, np.nan)
    for k in range(n):
        a, b = grid_start + k * period, grid_start + (k + 1) * period
        on = cov = 0
        for i, v in enumerate(values):
            lap = max(0, min(b, start + (i + 1) * step) - max(a, start + i * step))
            cov += lap
            on += lap if v else 0
        if cov >= min_coverage * period:
            out[k] = on / cov
    return out


# ------------------------------------------------------------------------------------------------
# Disaggregation kernels (issue 17): CO lookup, FHMM fit and painting, Seq2Point windows.
# Each twin below is plain NumPy/Python, imports nothing from nilm, and is compared with its
# kernel in tests/test_co.py, tests/test_fhmm.py and tests/test_seq2point.py.
# ------------------------------------------------------------------------------------------------

def co_nearest_brute(target, states):
    """Twin of the exact-group path of :func:`nilm.kernels.co.search` by brute force over every
    combination, vectorised over samples: totals summed left to right in C order
    (``itertools.product``), sorted stably, and the first smallest ``|t - total|`` taken (so the
    lower total wins an equidistant tie and the lowest code wins among equal totals). Returns
    float64 ``[h, n]`` state powers, NaN where the target is not finite."""
    import itertools

    combos = np.array(list(itertools.product(*[list(map(float, s)) for s in states])))
    totals = np.zeros(len(combos))
    for j in range(combos.shape[1]):
        totals = totals + combos[:, j]
    order = np.argsort(totals, kind="stable")
    t = np.asarray(target, dtype=np.float64)
    out = np.full((combos.shape[1], len(t)), np.nan)
    fin = np.isfinite(t)
    if fin.any():
        err = np.abs(t[fin, None] - totals[order][None, :])
        out[:, fin] = combos[order[np.argmin(err, axis=1)]].T
    return out


def kmeans_1d_numpy(y, k, seed, n_init=10, max_iter=300):
    """Twin of :func:`nilm.disaggregate.fhmm.kmeans_1d` (its kernel ``kmeans_runs``): the NumPy
    formulation, k-means++ draws by ``Generator.choice`` with probabilities, Lloyd iterations by
    ``searchsorted`` on the sorted sample. Returns ``(centres, inertia)``."""
    y = np.sort(np.asarray(y, dtype=np.float64))
    n = len(y)
    if n == 0:
        return np.zeros(1), 0.0
    k = int(min(k, len(np.unique(y))))
    y0 = y - y.mean()
    cs = np.concatenate([[0.0], np.cumsum(y0)])
    cs2 = np.concatenate([[0.0], np.cumsum(y0 * y0)])
    rng = np.random.default_rng(seed)
    best_inertia, best_cut = np.inf, None
    for _ in range(n_init):
        c = [y0[rng.integers(n)]]
        d2 = (y0 - c[0]) ** 2
        for _j in range(1, k):
            c.append(y0[rng.choice(n, p=d2 / d2.sum())])
            d2 = np.minimum(d2, (y0 - c[-1]) ** 2)
        c = np.sort(np.array(c))
        for _it in range(max_iter):
            cut = np.concatenate([[0], np.searchsorted(y0, (c[1:] + c[:-1]) / 2.0), [n]])
            cnt = np.diff(cut)
            sums = cs[cut[1:]] - cs[cut[:-1]]
            new = np.where(cnt > 0, sums / np.maximum(cnt, 1), c)
            if np.array_equal(new, c):
                break
            c = new
        cut = np.concatenate([[0], np.searchsorted(y0, (c[1:] + c[:-1]) / 2.0), [n]])
        cnt = np.diff(cut)
        sums = cs[cut[1:]] - cs[cut[:-1]]
        sq = cs2[cut[1:]] - cs2[cut[:-1]]
        inertia = float(np.sum(sq - 2 * c * sums + cnt * c * c))
        if inertia < best_inertia:
            best_inertia, best_cut = inertia, cut
    return (np.array([y[a:b].mean() for a, b in zip(best_cut[:-1], best_cut[1:], strict=True)]),
            max(best_inertia, 0.0))


def fhmm_state_counts(y, ok, means):
    """Twin of :func:`nilm.kernels.kmeans.state_counts` by ``searchsorted`` and ``bincount``:
    returns ``(pairs [K, K], init [K], fitted)`` where ``fitted = means[label]`` at the valid
    intervals."""
    means = np.asarray(means, dtype=np.float64)
    K = len(means)
    mid = (means[1:] + means[:-1]) / 2.0
    lab = np.searchsorted(mid, np.where(ok, np.asarray(y, dtype=np.float64), 0.0))
    both = ok[:-1] & ok[1:]
    pairs = np.bincount(lab[:-1][both] * K + lab[1:][both], minlength=K * K).reshape(K, K)
    init = np.bincount(lab[ok], minlength=K)
    return pairs, init, means[lab[ok]]


def rc_heat_naive(t_out, t_set, t_in, on, ua, gains, cap, total, hp):
    """Twin of :func:`nilm.simulate.thermal.rc_heat_kernel`: written from the model, not the
    kernel. Each minute: heat demand = what holds the set point (P band of 1 K over the full
    output, plus the loss net of gains), clipped to [0, total]; a heat pump that would run under
    30 % cycles at 30 % between set point -0.3 K (on) and +0.3 K (off); then T_in moves by
    60 s x net power / capacity."""
    out = []
    for k in range(len(t_out)):
        net_loss = ua * (t_in - float(t_out[k]))
        demand = total * (float(t_set[k]) - t_in) + net_loss - gains
        demand = total if demand > total else (0.0 if demand < 0.0 else demand)
        if hp:
            if demand >= 0.3 * total:
                on = True
            else:
                if t_in < float(t_set[k]) - 0.3:
                    on = True
                elif t_in > float(t_set[k]) + 0.3:
                    on = False
                demand = 0.3 * total if on else 0.0
        out.append(demand)
        t_in = t_in + 60.0 * (demand + gains - net_loss) / cap
    return np.array(out), t_in, on

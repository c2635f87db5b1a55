"""Realism of simulated households against real ones, measured the same way on both.

Day features (:func:`day_features`) of a day profile (regular mean power, W, one local day or
the 24 h from a given local hour):

* ``daily_kwh``: energy, kWh;
* ``base_share``: 5th percentile of the interval means x 24 h over the energy;
* ``load_factor``: mean over peak interval mean;
* ``evening_peak_h``: local hour (0-23) of the highest hourly mean between 15:00 and 24:00;
* ``step_p50_w``, ``step_p90_w``: median and 90th percentile of the absolute change between
  consecutive intervals, W;
* ``night_day_ratio``: mean power 00:00-06:00 over mean power 06:00-24:00.

:func:`two_sample_auc` is the classifier two-sample test of Lopez-Paz & Oquab, "Revisiting
classifier two-sample tests", ICLR 2017: a classifier learns to tell real from simulated
profiles; its cross-validated AUC is 0.5 when it cannot (the two samples are alike) and 1 when it
always can. :func:`percentile_in` places one real house's feature within a simulated
population.
"""

from __future__ import annotations

import numpy as np

FEATURES = ("daily_kwh", "base_share", "load_factor", "evening_peak_h", "step_p50_w",
            "step_p90_w", "night_day_ratio")


def day_features(p: np.ndarray, step_s: int, start_h: float = 0.0) -> dict[str, float]:
    """Features of one day profile ``p`` (W, ``86400 // step_s`` values, NaN allowed up to
    10 %) whose first interval starts at local hour ``start_h``."""
    p = np.asarray(p, dtype=np.float64)
    per_h = 3600 // step_s
    hour = (start_h + np.arange(len(p)) / per_h) % 24
    ok = np.isfinite(p)
    mean = float(np.nanmean(p))
    hourly = np.array([np.nanmean(p[(hour >= h) & (hour < h + 1)]) if np.any(
        ok & (hour >= h) & (hour < h + 1)) else np.nan for h in range(24)])
    eve = hourly[15:24]
    steps = np.abs(np.diff(p))
    steps = steps[np.isfinite(steps)]
    night = np.nanmean(p[hour < 6])
    day = np.nanmean(p[hour >= 6])
    return {"daily_kwh": mean * 24 / 1000, "base_share": float(np.nanpercentile(p, 5)) / mean,
            "load_factor": mean / float(np.nanmax(p)),
            "evening_peak_h": float(15 + np.nanargmax(eve)) if np.any(np.isfinite(eve))
            else np.nan,
            "step_p50_w": float(np.median(steps)), "step_p90_w": float(np.percentile(steps, 90)),
            "night_day_ratio": float(night / day)}


def feature_matrix(profiles, step_s: int, start_h: float = 0.0) -> np.ndarray:
    """[n, len(FEATURES)] features of each profile."""
    return np.array([[day_features(p, step_s, start_h)[f] for f in FEATURES] for p in profiles])


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between two samples (largest gap of the empirical CDFs)."""
    a, b = np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)])
    x = np.concatenate([a, b])
    fa = np.searchsorted(a, x, "right") / len(a)
    fb = np.searchsorted(b, x, "right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def percentile_in(value: float, population: np.ndarray) -> float:
    """Percentile (0-100) of ``value`` within ``population`` (mid-rank for ties)."""
    pop = population[np.isfinite(population)]
    return float(100.0 * (np.sum(pop < value) + 0.5 * np.sum(pop == value)) / len(pop))


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U over the scores, ties counted half)."""
    from scipy.stats import rankdata

    r = rankdata(s)
    n1, n0 = int(np.sum(y == 1)), int(np.sum(y == 0))
    return float((r[y == 1].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def two_sample_auc(real: np.ndarray, sim: np.ndarray, *, classifier: str = "forest",
                   repeats: int = 10, folds: int = 5, n_boot: int = 2000,
                   n_trees: int = 300, seed: int = 0) -> dict:
    """Classifier two-sample test (Lopez-Paz & Oquab 2017) of ``real`` vs ``sim`` rows.

    The classifier ("forest": a random forest of ``n_trees`` trees on the rows; "logistic": an
    L2-regularised logistic regression on standardised rows) is trained in ``folds``-fold
    stratified cross-validation, ``repeats`` times with different splits. Returns the mean of
    the repeats' AUCs (``auc``), a 95 % CI from a bootstrap over the profiles of the
    repeat-averaged out-of-fold scores (``ci``: both classes resampled, ``n_boot`` draws), the
    repeats' range, and ``null_auc``: the same procedure with the labels permuted (about 0.5
    when the procedure is sound).
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.vstack([real, sim]).astype(np.float64)
    y = np.r_[np.ones(len(real), int), np.zeros(len(sim), int)]
    rng = np.random.default_rng(seed)

    def make(k):
        if classifier == "forest":
            return RandomForestClassifier(n_estimators=n_trees, min_samples_leaf=2,
                                          class_weight="balanced", random_state=k, n_jobs=1)
        if classifier == "logistic":
            return make_pipeline(StandardScaler(), LogisticRegression(
                C=0.1, class_weight="balanced", max_iter=2000))
        raise ValueError(f"unknown classifier {classifier!r}")

    def oof(labels, k):
        s = np.zeros(len(labels))
        cv = StratifiedKFold(folds, shuffle=True, random_state=k)
        for tr, te in cv.split(x, labels):
            m = make(k).fit(x[tr], labels[tr])
            s[te] = m.predict_proba(x[te])[:, 1]
        return s

    aucs, scores = [], np.zeros(len(y))
    for _ in range(repeats):
        s = oof(y, int(rng.integers(2 ** 31)))
        aucs.append(_auc(y, s))
        scores += s / repeats
    null = [_auc(yp, oof(yp, int(rng.integers(2 ** 31))))
            for yp in (rng.permutation(y) for _ in range(max(2, repeats // 3)))]
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    boot = []
    for _ in range(n_boot):
        idx = np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]
        boot.append(_auc(y[idx], scores[idx]))
    return {"auc": float(np.mean(aucs)), "ci": [float(v) for v in np.percentile(boot, [2.5, 97.5])],
            "repeats": [float(min(aucs)), float(max(aucs))], "null_auc": float(np.mean(null)),
            "n_real": int(len(real)), "n_sim": int(len(sim)), "classifier": classifier}

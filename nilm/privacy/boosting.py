"""The gradient-boosting classifier behind the learned attacks (supervised occupancy, the direct
appliance detector): scikit-learn's HistGradientBoostingClassifier (Ke et al. 2017's histogram
binning) on a bounded, seeded draw of training rows, without its constant columns, fitted on
one OpenMP thread.

References
----------
Ke, G., Meng, Q., Finley, T., Wang, T., Chen, W., Ma, W., Ye, Q. & Liu, T.-Y. (2017). LightGBM:
a highly efficient gradient boosting decision tree. NeurIPS.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


@functools.lru_cache(maxsize=1)
def _controller():
    """The process's ThreadpoolController, made once after scikit-learn's tree ensembles and
    SVMs are imported (so their OpenMP runtime and SciPy's BLAS are among its libraries).
    ``threadpool_limits(1)`` makes a new one each time, scanning every loaded shared library
    (about 6 ms): 2,300 calls, 5 % of a headline study's CPU, measured."""
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime)
    import sklearn.svm  # noqa: F401
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_thread():
    """Context manager: every BLAS and OpenMP thread pool of the process limited to one thread
    (as ``threadpoolctl.threadpool_limits(1)``, through one cached controller): on a shared
    machine extra threads spin and slow a fit many-fold."""
    return _controller().limit(limits=1)


def subsample(n: int, m: int, seed: int) -> np.ndarray:
    """At most ``m`` sorted row indices of ``n``, drawn without replacement (bounded fit cost)."""
    if n <= m:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, m, replace=False))


def training_rows(x_tr: np.ndarray, y_tr: np.ndarray, *, seed: int, max_rows: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, keep): at most ``max_rows`` training rows drawn with ``seed`` (0/1 int labels)
    and the mask of their non-constant columns — constant columns carry nothing and trip the
    binning of some sklearn/numpy versions."""
    y_tr = np.asarray(y_tr, dtype=int)
    ix = subsample(len(y_tr), max_rows, seed)
    x_tr, y_tr = x_tr[ix], y_tr[ix]
    with np.errstate(all="ignore"):
        keep = np.nanmax(x_tr, axis=0, initial=-np.inf) > np.nanmin(x_tr, axis=0,
                                                                    initial=np.inf)
    return x_tr, y_tr, keep


class BoostedTrees(ClassifierMixin, BaseEstimator):
    """Binary HistGradientBoostingClassifier (``random_state=seed``) on at most ``max_rows``
    training rows drawn with ``seed``.

    Constant columns are dropped. With one class or no informative column left there is
    nothing to learn: :meth:`predict_proba` gives every row the training share of positives
    and :meth:`predict` the training majority (ties: 1), what a classifier without
    information knows.

    Parameters
    ----------
    max_iter : boosting iterations.
    max_leaf_nodes : leaves per tree.
    early_stopping : ``"auto"`` (scikit-learn's rule: on above 10 000 rows), True or False;
        ``"balanced"`` turns it on when the rarer class has at least 10 rows (a stratified
        tenth can be held out).
    max_rows : most training rows fitted (bounds the cost on a year of 1-min features).
    seed : seeds the row draw and the classifier.
    """

    def __init__(self, max_iter: int = 100, max_leaf_nodes: int = 31,
                 early_stopping="auto", max_rows: int = 50_000, seed: int = 0):
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.early_stopping = early_stopping
        self.max_rows = max_rows
        self.seed = seed

    def fit(self, x: np.ndarray, y: np.ndarray) -> BoostedTrees:
        """Learn from float64 features ``x`` ``[m, f]`` (NaN allowed: the trees route missing
        values) and 0/1 labels ``y`` ``[m]``, ``m >= 1``; returns self."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        x, y, keep = training_rows(x, y, seed=self.seed, max_rows=self.max_rows)
        self.keep_ = keep
        self.share_ = float(y.mean())
        self.majority_ = int(2 * y.sum() >= len(y))
        self.model_ = None
        if np.unique(y).size < 2 or not keep.any():
            return self
        stop = self.early_stopping
        if stop == "balanced":
            stop = bool(np.bincount(y).min() >= 10)
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, max_leaf_nodes=self.max_leaf_nodes, early_stopping=stop,
            random_state=self.seed)
        with one_thread():
            self.model_.fit(x[:, keep], y)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probability of the positive class, float64 ``[k]`` (not scikit-learn's ``[k, 2]``:
        the attacks threshold one column)."""
        if self.model_ is None:
            return np.full(len(x), self.share_)
        if not len(x):
            return np.zeros(0)
        with one_thread():
            return self.model_.predict_proba(x[:, self.keep_])[:, 1]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """0/1 labels ``[k]`` (int)."""
        if self.model_ is None:
            return np.full(len(x), self.majority_)
        with one_thread():
            return self.model_.predict(x[:, self.keep_])


__all__ = ["BoostedTrees", "one_thread", "subsample", "training_rows"]

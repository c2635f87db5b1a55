"""The attack contract: every inference attack (and every prior) is a scikit-learn style
estimator.

``Attack(**params, seed=...)`` stores its parameters only; :meth:`Attack.fit` learns from a list
of ``(Grid, GroundTruth)`` pairs of training households (attacks that learn nothing accept an
empty list and ignore it); :meth:`Attack.predict` returns the inference's *verdict* on one
attacked grid:

===========  ===========================================================================
inference    verdict
===========  ===========================================================================
occupancy    float64 ``[n]`` per interval: 1 occupied, 0 absent, NaN unknown / abstain
routine      :class:`DayTimes` (local days, wake and bed epoch s per day, NaN = abstain)
appliances   ``{name: bool [n]}`` per interval: the appliance is active
hot_water    :class:`DailyEnergy` (local days, heater kWh per day, ownership verdict)
occupants    float, the household's number of occupants (NaN = abstain)
===========  ===========================================================================

Scorers (``score_*`` of :mod:`nilm.privacy`) take a verdict and the truth and never train.
Parameters live in ``__init__`` and are read back by :meth:`get_params` /
:meth:`set_params` (inherited from :class:`sklearn.base.BaseEstimator`), so
:func:`sklearn.base.clone` copies an attack unfitted; what ``fit`` learns ends in ``_``.

The registry :data:`nilm.privacy.ATTACKS` maps ``"<inference>.<method>"`` to each class, and
:data:`nilm.privacy.PRIORS` the priors (:mod:`nilm.privacy.priors`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator


class DayTimes(NamedTuple):
    """Per-day times of the routine inference: ``days`` (local day numbers, int64, sorted),
    ``wake`` and ``bed`` (epoch s UTC, float64, NaN where there is no estimate; ``bed[d]`` is
    the bed time of the evening of ``days[d]``)."""

    days: np.ndarray
    wake: np.ndarray
    bed: np.ndarray


class DailyEnergy(NamedTuple):
    """Verdict of the hot-water inference: ``days`` (local day numbers), ``kwh`` (estimated
    water-heater energy per day, kWh, NaN = abstain), ``owns`` (the household owns an off-peak
    water heater) and ``nights`` (nights with off-peak data: 0 means no ownership verdict)."""

    days: np.ndarray
    kwh: np.ndarray
    owns: bool
    nights: int


class Attack(BaseEstimator):
    """Base class of the attacks and priors of :mod:`nilm.privacy`.

    Subclasses declare ``inference`` (one of the five) and ``method`` (its name in a study
    spec), take every parameter as a keyword of ``__init__`` (with a ``seed`` where anything
    is random), and implement ``fit(train)`` (returning self) and ``predict(grid, tz=None)``.
    ``tz`` defaults to ``grid.meta["timezone"]`` (UTC when absent). An attack that learns on
    block means at :data:`nilm.signal.FEATURE_PERIOD_S` sets ``reads_features`` and also
    implements ``feature_view(grid)``, ``predict_features(fgrid, tz)`` (its verdict on a
    feature grid) and ``on_grid(verdict, fgrid, grid)`` (that verdict read on a finer grid).
    """

    #: the inference this attack serves
    inference: ClassVar[str] = ""
    #: its name within the inference (``method`` of a study spec)
    method: ClassVar[str] = ""
    #: True when :meth:`fit` reads training labels (a supervised attack); unsupervised ones
    #: ignore ``train``
    needs_train: ClassVar[bool] = False

    def fit(self, train=()):
        """Learn from ``train``, a list of ``(Grid, GroundTruth)`` pairs; returns self. The
        default (an attack that learns nothing) records the number of pairs only."""
        self.n_train_ = len(list(train))
        return self

    def predict(self, grid, tz: str | None = None):  # pragma: no cover - abstract
        raise NotImplementedError

    def kernel_params(self) -> dict:
        """The attack's parameters without ``seed``: the keywords of the function that computes
        an unsupervised attack's verdict (e.g. :func:`nilm.privacy.occupancy.occupancy_hmm`),
        which is deterministic and takes no seed."""
        params = self.get_params()
        params.pop("seed", None)
        return params

    def _check_fitted(self) -> None:
        if not any(k.endswith("_") and not k.startswith("_") for k in vars(self)):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(train) first")


def timezone(grid, tz: str | None) -> str:
    """``tz``, else the grid's ``meta["timezone"]``, else UTC."""
    if tz is not None:
        return tz
    return str(getattr(grid, "meta", {}).get("timezone", "UTC"))


def predict_on_features(attack: Attack, features, truth, *, design, fit: bool = True):
    """For an attack that reads block means at the feature period
    (``attack.reads_features``): the design applied to ``features`` = ``(feature grid of the
    household, feature-period training pairs or None)``, the attack fitted on its training
    pairs (unless ``fit`` is False) and its verdict on the attacked part of the feature grid.

    Returns ``(attacked feature grid, its verdict)``: what :func:`evaluate` spreads onto the
    attacked grid (``feature_verdict=``), the same for every rung read through these
    features."""
    fgrid, ftrain = features
    fpairs, ftest, _ = design(fgrid, truth, ftrain)
    if fit:
        attack.fit(fpairs)
    return ftest, attack.predict_features(ftest, truth.timezone)


def evaluate(attack: Attack, grid, truth, *, design, score, seed: int, train=None,
             features=None, fit: bool = True, feature_verdict=None, **score_kw) -> list[dict]:
    """Attack one household and score the verdict: the evaluation every ``score_*`` of
    :mod:`nilm.privacy` and the study share.

    Parameters
    ----------
    attack : an :class:`Attack` (fitted here unless ``fit`` is False: a caller that already
        fitted it on the same training data, e.g. a study reusing one fit across rungs).
    grid : the household's Grid at the attacked period.
    truth : its GroundTruth.
    design : ``design(grid, truth, train) -> (pairs, test, split)``, the inference's evaluation
        design: the ``(grid, truth)`` pairs the attack learns from, the part of ``grid`` it
        attacks and the name of the split.
    score : ``score(verdict, test, truth, *, seed, method, split, train, **score_kw) -> rows``,
        the inference's scorer (it never trains).
    seed : seeds the scorer's bootstrap.
    train : ``(grid, truth)`` pairs of other households at the attacked period, or None (the
        design then splits the household itself).
    features : for an attack that reads block means at the feature period
        (``attack.reads_features``): ``(feature grid of the household, feature-period training
        pairs or None)``; default: the attack's ``feature_view`` of ``grid`` and ``train``. The
        design is applied to them as to ``grid``, and each attacked interval takes its feature
        interval's verdict (:func:`predict_on_features`).
    feature_verdict : the result of :func:`predict_on_features` for these features, computed
        once by a caller that scores several rungs through them (the attack is then neither
        fitted nor asked to predict again).
    score_kw : passed to ``score``.
    """
    tz = truth.timezone
    pairs, test, split = design(grid, truth, train)
    if getattr(attack, "reads_features", False):
        if feature_verdict is None:
            if features is None:
                view = attack.feature_view
                features = (view(grid),
                            None if train is None else [(view(g), t) for g, t in train])
            feature_verdict = predict_on_features(attack, features, truth, design=design,
                                                  fit=fit)
        ftest, fverdict = feature_verdict
        verdict = attack.on_grid(fverdict, ftest, test)
    else:
        if fit:
            attack.fit(pairs)
        verdict = attack.predict(test, tz)
    return score(verdict, test, truth, seed=seed, method=attack.method, split=split,
                 train=train, **score_kw)


def _no_inputs(*_args, **_kwargs) -> dict:
    return {}


@dataclass(frozen=True)
class Inference:
    """One inference of :data:`nilm.privacy.INFERENCES`: how a household is attacked and
    scored, for the study and for a direct call (calling it calls ``scorer``).

    Attributes
    ----------
    name : the inference.
    design : ``design(grid, truth, train) -> (pairs, test, split)`` (see :func:`evaluate`).
    score : the scorer of a verdict (see :func:`evaluate`).
    scorer : ``scorer(household_or_grid, truth, period, *, method, seed, train, ...)``, the
        attack-and-score convenience (``score_<inference>``).
    params : ``params(grid, method) -> dict``, attack parameters that depend on the attacked
        grid (the appliances to detect).
    household_inputs : ``household_inputs(household, truth) -> dict``, keyword arguments of
        ``score`` that depend on the household only (computed once per household).
    grid_inputs : ``grid_inputs(grid, truth, train, **household_inputs) -> dict``, keyword
        arguments of ``score`` that do not depend on the method (computed once per attacked
        grid).
    intervals : whether ``score`` takes ``intervals=True`` and then attaches each local day's
        per-interval truth and verdict to its rows (:func:`nilm.privacy.scores.interval_prediction`;
        the study option ``predictions = "interval"``).
    """

    name: str
    design: Callable
    score: Callable
    scorer: Callable
    params: Callable = field(default=_no_inputs)
    household_inputs: Callable = field(default=_no_inputs)
    grid_inputs: Callable = field(default=_no_inputs)
    intervals: bool = False

    def __call__(self, *args, **kwargs):
        return self.scorer(*args, **kwargs)


__all__ = ["Attack", "DailyEnergy", "DayTimes", "Inference", "evaluate", "predict_on_features",
           "timezone"]

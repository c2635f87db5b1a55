"""One cell computed: the cell's attack (or prior) fitted, run and scored through
:func:`nilm.privacy.base.evaluate`, the same code for every inference, and its rows made
tidy (the columns of :data:`nilm.study.COLUMNS`)."""

from __future__ import annotations

import math

from .plan import Cell
from .spec import COLUMNS


def tidy(rows: list[dict], cell: Cell, household_meta: dict, period: int, seed: int
         ) -> list[dict]:
    """A scorer's rows as rows of results.csv: the cell's and the household's columns added,
    every column of :data:`~nilm.study.COLUMNS` present (NaN where the scorer has none)."""
    out = []
    for r in rows:
        r = dict(r)
        r.update(dataset=household_meta.get("dataset", cell.source), source=cell.source,
                 house=cell.house,
                 period_s=period, resolution=cell.resolution, seed=seed,
                 simulated=bool(household_meta.get("simulated", False)))
        out.append({k: r.get(k, math.nan) for k in COLUMNS})
    return out


def keeps_intervals(inference: str, method: str) -> bool:
    """Whether a cell's per-interval records (``predictions = "interval"``) go into
    predictions.csv: only those of the inference's declared headline attack
    (:data:`nilm.protocol.HEADLINE`) and of the priors (:data:`nilm.privacy.PRIORS`), what the
    headline's two-stage bootstrap and the null's re-scoring read. The other attacks' records
    are dropped: at 1 s a household-day is two 86,400-character strings per method."""
    from ..privacy import PRIORS
    from ..protocol import HEADLINE

    h = HEADLINE.get(inference)
    return (h is not None and method == h.method) or f"{inference}.{method}" in PRIORS


def prediction_records(rows: list[dict], cell: Cell, household_meta: dict, period: int,
                       seed: int, houses: list[str] | None = None) -> list[dict]:
    """The ``predictions`` a scorer attached to its rows (:func:`nilm.privacy.scores.prediction`)
    as rows of predictions.csv (:data:`~nilm.study.spec.PREDICTION_COLUMNS`). ``houses``: for
    a population cell, the house ids its records' ``house`` indices point into. Per-interval
    records (:func:`nilm.privacy.scores.interval_prediction`) are kept only where
    :func:`keeps_intervals`."""
    from ..protocol import threat_model

    out = []
    for r in rows:
        for p in r.get("predictions", ()):
            if isinstance(p["truth"], str) and not keeps_intervals(r["inference"],
                                                                   r["method"]):
                continue
            house = houses[p["house"]] if houses is not None else cell.house
            out.append({"dataset": household_meta.get("dataset", cell.source),
                        "source": cell.source, "house": house,
                        "inference": r["inference"], "target": r["target"],
                        "period_s": period, "method": r["method"], "seed": seed,
                        "threat_model": threat_model(period), **{
                            k: p[k] for k in ("unit", "truth", "prediction",
                                              "prior_prediction")}})
    return out


def score_cell(cell: Cell, grid, truth, seed: int, train, features, inputs: dict,
               fits: dict, block: tuple[dict, int] | None = None) -> list[dict]:
    """Attack ``grid`` with the registered attack of ``cell`` and score it
    (:func:`nilm.privacy.base.evaluate`), the same for every inference.

    ``features``: ``(feature grid, feature-period training pairs or None)`` when this rung is
    read through the house's grid at the feature period (1 s, 2 s … and 1 min itself), else
    None. An attack that reads those features fits and predicts once for all such rungs:
    ``fits`` holds, by (inference, method, seed), its parameters, the fitted attack and its
    verdict on the feature grid (:func:`nilm.privacy.base.predict_on_features`), each rung
    reading it at its own intervals. ``inputs``: the inference's method-independent inputs of
    its scorer (:class:`nilm.privacy.base.Inference`), built once by the caller.

    ``block``: ``(fitted, fit seed)`` when the house belongs to a training block of several
    houses (:func:`nilm.study.plan.training_blocks`): a learned attack trained on other
    households is then fitted once per block (:func:`shared_fit`) and the scorer's bootstrap
    keeps the cell's own ``seed``.
    """
    from ..privacy import ATTACKS, INFERENCES, METHODS, PRIORS
    from ..privacy.base import evaluate, predict_on_features

    name = f"{cell.inference}.{cell.method}"
    inf = INFERENCES[cell.inference]
    if name in PRIORS:
        return score_prior(PRIORS[name], inf, grid, truth, seed, train,
                           inf.params(grid, METHODS[cell.inference][0]), inputs)
    if name not in ATTACKS:
        raise ValueError(f"unknown attack {cell.method!r} of inference {cell.inference!r}")
    params = inf.params(grid, cell.method)
    if block is not None and train is not None and ATTACKS[name].needs_train:
        attack, on_features = shared_fit(ATTACKS[name], cell, params, grid, train, features,
                                         *block)
        if not on_features:
            return evaluate(attack, grid, truth, design=inf.design, score=inf.score,
                            seed=seed, train=train, fit=False, **inputs)
        key = (cell.inference, cell.method, "block")
        if key not in fits or fits[key][0] != params:
            fits[key] = (params, attack, predict_on_features(attack, features, truth,
                                                             design=inf.design, fit=False))
        _, attack, verdict = fits[key]
        return evaluate(attack, grid, truth, design=inf.design, score=inf.score, seed=seed,
                        train=train, feature_verdict=verdict, **inputs)
    if not (features is not None and getattr(ATTACKS[name], "reads_features", False)):
        return evaluate(ATTACKS[name](**params, seed=seed), grid, truth, design=inf.design,
                        score=inf.score, seed=seed, train=train, **inputs)
    key = (cell.inference, cell.method, seed)
    if key not in fits or fits[key][0] != params:
        attack = ATTACKS[name](**params, seed=seed)
        fits[key] = (params, attack, predict_on_features(attack, features, truth,
                                                         design=inf.design))
    _, attack, verdict = fits[key]
    return evaluate(attack, grid, truth, design=inf.design, score=inf.score, seed=seed,
                    train=train, feature_verdict=verdict, **inputs)


def shared_fit(cls, cell: Cell, params: dict, grid, train, features, fitted: dict,
               fit_seed: int):
    """The learned attack ``cls`` of ``cell`` fitted once for a training block: on the block's
    training pairs (``train`` at this rung, or their feature-period views / the ``features``
    training pairs for an attack that reads features; every design attacks the whole house and
    learns from exactly these pairs when it has other households) with ``fit_seed``, kept in
    ``fitted`` by (inference, method, rung, parameters) for the block's other houses.

    An attack with per-appliance models fitted independently (``for_names``, the direct
    detector) is fitted for every appliance of the training households and narrowed to the
    house's ``names``: the same models a fit on those names alone would give.

    Returns ``(attack for this house, whether it reads this rung through ``features``)``.
    """
    on_features = features is not None and getattr(cls, "reads_features", False)
    narrow = hasattr(cls, "for_names") and "names" in params
    fit_params = {**params, "names": None} if narrow else params
    rung = "features" if on_features else int(grid.period)
    key = (cell.inference, cell.method, rung, repr(sorted(fit_params.items())))
    if key not in fitted:
        attack = cls(**fit_params, seed=fit_seed)
        if on_features:
            pairs = features[1]
        elif getattr(cls, "reads_features", False):
            pairs = [(attack.feature_view(g), t) for g, t in train]
        else:
            pairs = train
        fitted[key] = attack.fit(list(pairs))
    attack = fitted[key]
    return (attack.for_names(params["names"]) if narrow else attack), on_features


def score_prior(cls, inf, grid, truth, seed: int, train, params: dict, inputs: dict
                ) -> list[dict]:
    """Score a prior of :data:`nilm.privacy.PRIORS` like an attack (rows with ``method`` = its
    name): a population prior learns from the training households of the inference's design;
    the household-typical prior from the attacked household's own ``(grid, truth)``, predicting
    each day from its other days. ``params``: those of the inference's first attack (the
    appliance names), so prior and attacks score the same targets."""
    from ..privacy.base import evaluate

    own = cls.method == "household_typical"
    prior = cls(**params, seed=seed)
    if own:
        prior.fit([(grid, truth)])
    return evaluate(prior, grid, truth, design=inf.design, score=inf.score, seed=seed,
                    train=train, fit=not own, **inputs)


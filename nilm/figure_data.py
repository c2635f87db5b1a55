"""What the household figures draw, computed from a household: the attacks' verdicts for a
carpet plot, and a disaggregator's predictions for a disaggregation example.

:mod:`nilm.plot` only draws: it takes the dicts built here (arrays and grids), so a figure
never runs an attack or fits a model, and a caller can draw the same figure from verdicts it
computed some other way. Usage::

    from nilm import figure_data, plot
    fig = plot.carpet(figure_data.carpet_data(household, truth))
    fig = plot.disaggregation_example(figure_data.disaggregation_data(household, model="co"))
"""

from __future__ import annotations

import numpy as np

from .clock import day_start_utc, local_clock
from .labels import data_label
from .series import Household


def _household(household) -> Household:
    if not isinstance(household, Household):
        raise TypeError(f"household must be a nilm Household, got {type(household).__name__}")
    return household


def _label(household: Household, label: str | None) -> str:
    return label or data_label(household.meta.get("simulated", False),
                               household.meta.get("dataset"))


def carpet_data(household, truth=None, *, periods=(None, 600, 1800),
                label: str | None = None) -> dict:
    """Inputs of :func:`nilm.plot.carpet`: the household's grid at each period with the
    unsupervised occupancy verdict (:func:`nilm.privacy.occupancy.occupancy_unsupervised`) and
    the change-point wake-up / bed times (:func:`nilm.privacy.routine.changepoint_wake_bed`)
    on it, and the true household wake-up, bed times and presence when ``truth`` is given.

    Parameters
    ----------
    household : :class:`nilm.series.Household` with a mains channel (W).
    truth : optional :class:`nilm.truth.GroundTruth`.
    periods : periods in s, ``None`` = the native period (:attr:`Household.native_period`).
    label : data label for the title (default from ``household.meta``: real or simulated).

    Returns
    -------
    dict with ``name``, ``label``, ``timezone``, ``panels`` (one dict per period: ``period``
    s, ``grid``, ``occupancy`` [n] 1 occupied / 0 absent / NaN, and ``wake_bed`` = (local day
    numbers, wake epoch s, bed epoch s)) and ``truth`` (None, or a dict of ``days``, ``wake``,
    ``bed`` epoch s per local day, and ``t``, ``present``, ``step`` s of the presence
    timeline).
    """
    from .privacy.occupancy import occupancy_unsupervised
    from .privacy.routine import changepoint_wake_bed, household_wake_bed

    household = _household(household)
    if household.mains is None or len(household.mains) < 2:
        raise ValueError(f"{household.name}: a carpet plot needs a mains channel")
    if not periods:
        raise ValueError("periods must name at least one period")
    ps = [household.native_period if p is None else float(p) for p in periods]
    if any(not (p > 0) for p in ps):
        raise ValueError(f"periods must be positive, got {periods}")
    tz = household.timezone
    panels = []
    for p in ps:
        grid = household.to_grid(p)
        if len(grid) == 0 or not np.isfinite(grid.mains).any():
            raise ValueError(f"{household.name}: no valid mains at a period of {p:g} s")
        panels.append({"period": p, "grid": grid, "occupancy": occupancy_unsupervised(grid, tz),
                       "wake_bed": changepoint_wake_bed(grid, tz)})
    marks = None
    if truth is not None:
        days, wake, bed = household_wake_bed(truth)
        marks = {"days": days, "wake": wake, "bed": bed, "t": truth.t,
                 "present": truth.present, "step": truth.step}
    return {"name": household.name, "label": _label(household, label), "timezone": tz,
            "panels": panels, "truth": marks}


def pick_example_day(grid, names: list[str], tz: str, first_day: int | None = None) -> int:
    """Local day number (days since 1970-01-01) with the most energy of the appliances ``names``
    among days fully covered by the grid, from ``first_day`` on."""
    day, _ = local_clock(grid.t, tz)
    e = np.nansum(grid.select(names).appliances.astype(np.float64), axis=0)
    days = np.unique(day)
    if first_day is not None:
        days = days[days >= first_day]
    if len(days) == 0:
        raise ValueError("no day to draw")
    score = [np.sum(e[day == d]) if np.isfinite(grid.mains[day == d]).mean() > 0.9 else -1
             for d in days]
    return int(days[int(np.argmax(score))])


def disaggregation_data(household, *, periods=(600, 1800), appliances=None,
                        model: str = "co", seed: int = 0, n_appliances: int = 3,
                        label: str | None = None) -> dict:
    """Inputs of :func:`nilm.plot.disaggregation_example`: one day of mains, true and predicted
    appliance power at each period.

    The model of :data:`nilm.disaggregate.MODELS` (default combinatorial optimisation, Hart
    1992) is fitted on the first half of the local days at each period and predicts the second
    half; the day is the test day with the most energy of the chosen appliances
    (:func:`pick_example_day`, chosen at the first period and kept for the others).

    Parameters
    ----------
    household : Household with mains and sub-meters (W).
    periods : periods in s.
    appliances : sub-meter names to disaggregate (default: the ``n_appliances`` with the most
        training energy, ``other`` excluded).
    model : key of :data:`nilm.disaggregate.MODELS` (``"co"``, ``"fhmm"``…).
    seed : passed to the model.
    label : data label for the title (default: real or simulated from ``household.meta``).

    Returns
    -------
    dict with ``name``, ``label``, ``model``, ``day`` (local day number) and ``panels``: one
    dict per period with ``period`` s, ``hours`` (local hour of each interval's middle),
    ``mains`` W, and ``names``, ``true`` and ``pred`` (one W array per appliance).
    """
    from .disaggregate import MODELS
    from .privacy.scores import temporal_split

    household = _household(household)
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, not {model!r}")
    subs = [n for n in household.appliances if n != "other"]
    if household.mains is None or not subs:
        raise ValueError(f"{household.name}: needs a mains channel and sub-meters")
    tz = household.timezone
    day = None
    panels = []
    for p in periods:
        grid = household.to_grid(float(p))
        train, test = temporal_split(grid, tz)
        if len(train) < 2 or len(test) < 2:
            raise ValueError(f"{household.name}: needs at least two days at {p} s")
        if appliances is None:
            energy = {n: float(np.nansum(train.appliance(n))) for n in subs}
            appliances = sorted(subs, key=lambda n: -energy[n])[:n_appliances]
        missing = [a for a in appliances if a not in grid.names]
        if missing:
            raise ValueError(f"{household.name} has no sub-meter {missing}")
        est = MODELS[model](seed=seed).fit(train.select(list(appliances)))
        pred = est.predict(test)
        if day is None:
            day = pick_example_day(test, list(appliances), tz)
        d, _ = local_clock(test.t, tz)
        sel = d == day
        t0 = float(day_start_utc(np.array([day]), tz)[0])
        names = list(est.names_)
        panels.append({"period": float(p), "hours": (test.t[sel] - t0 + float(p) / 2) / 3600,
                       "mains": test.mains[sel], "names": names,
                       "true": [test.appliance(n)[sel] for n in names],
                       "pred": [pred[k][sel] for k in range(len(names))]})
    return {"name": household.name, "label": _label(household, label), "model": model,
            "day": day, "panels": panels}


__all__ = ["carpet_data", "disaggregation_data", "pick_example_day"]

"""Disaggregator parameters: ``get_params`` / ``set_params`` / ``clone`` follow scikit-learn's
protocol for every model of :data:`nilm.disaggregate.MODELS`, and ``sklearn.base.clone``
accepts them."""

from __future__ import annotations

import numpy as np
import pytest

from nilm.disaggregate import MODELS
from nilm.series import Grid


def _grid(seed: int = 0) -> Grid:
    rng = np.random.default_rng(seed)
    n = 600
    fridge = np.where(np.arange(n) % 20 < 8, 90.0, 2.0)
    kettle = np.where(rng.random(n) < 0.05, 2000.0, 0.0)
    apps = np.stack([fridge, kettle])
    mains = apps.sum(axis=0) + 50.0 + rng.normal(0, 2, n)
    return Grid(1_700_000_000, 60.0, mains, apps, ["fridge", "kettle"], {})


@pytest.mark.parametrize("name", sorted(MODELS))
def test_clone_is_unfitted_with_equal_but_separate_params(name):
    model = MODELS[name](seed=3)
    model.fitted_marker_ = True  # learned state must not travel
    twin = model.clone()
    assert type(twin) is type(model) and twin is not model
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "fitted_marker_")
    for k, v in model.get_params().items():
        if isinstance(v, (list, dict, np.ndarray)):
            assert getattr(twin, k) is not v  # deep copies: mutating one leaves the other


@pytest.mark.parametrize("name", sorted(MODELS))
def test_set_params_sets_and_refuses_unknown_names(name):
    model = MODELS[name]()
    assert model.set_params(seed=11) is model and model.get_params()["seed"] == 11
    before = model.get_params()
    with pytest.raises(ValueError, match="no parameter"):
        model.set_params(seed=5, not_a_parameter=1)
    assert model.get_params() == before  # nothing set on refusal


@pytest.mark.parametrize("name", sorted(MODELS))
def test_sklearn_clone_accepts_every_model(name):
    from sklearn.base import clone

    model = MODELS[name](seed=4)
    twin = clone(model)
    assert type(twin) is type(model) and twin.get_params() == model.get_params()


@pytest.mark.parametrize("name", ["mean", "prior"])
def test_clone_of_a_fitted_model_predicts_alike_after_refit(name):
    model = MODELS[name](seed=2).fit(_grid())
    twin = model.clone()
    assert not hasattr(twin, "names_")
    np.testing.assert_array_equal(twin.fit(_grid()).predict(_grid(1)),
                                  model.predict(_grid(1)))

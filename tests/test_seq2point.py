"""Seq2Point (Zhang et al. 2018): shapes, contract, determinism, persistence, learning.

All data here is synthetic (seeded on/off appliances + noise) except the real-data test at the
end, which uses the UCI excerpt under ``shared/data`` and skips when it is absent.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is an optional extra (pip install nilm[torch])")

from nilm.disaggregate.seq2point import (  # noqa: E402
    Seq2Point,
    convolutional_output,
    convolutional_supported,
    default_window,
    inference_bytes_per_sample,
    resolve_device,
    windowed_output,
)
from nilm.series import Grid  # noqa: E402

TINY = dict(window=11, filters=(4, 4), kernels=(3, 3), hidden=16, epochs=2, batch_size=32,
            lr=1e-2, patience=2, val_fraction=0.2, device="cpu", progress=False)


def synthetic_grid(n=600, seed=1, period=60.0):
    """mains = 80 W base + a 1000 W heater (on/off runs of 5-30 samples) + a 120 W fridge
    (square wave, 10 on / 10 off) + 10 W Gaussian noise; all simulated."""
    rng = np.random.default_rng(seed)
    heater = np.zeros(n)
    i = 0
    while i < n:
        run = int(rng.integers(5, 30))
        if rng.random() < 0.4:
            heater[i:i + run] = 1000.0
        i += run
    fridge = np.where((np.arange(n) // 10) % 2 == 0, 120.0, 0.0)
    mains = 80.0 + heater + fridge + rng.normal(0, 10, n)
    return Grid(start=0, period=period, mains=mains, appliances=np.stack([heater, fridge]),
                names=["water_heater", "fridge"])


def weights(model):
    return [v.detach().numpy().copy() for net in model.nets_ for v in net.state_dict().values()]


@pytest.fixture(scope="module")
def fitted():
    g = synthetic_grid()
    return g, Seq2Point(**TINY, seed=3).fit(g)


def test_default_window_is_odd_and_shrinks_with_period():
    periods = [1, 2, 6, 60, 600, 900, 1800, 3600, 86400]
    sizes = [default_window(p) for p in periods]
    assert all(s % 2 == 1 for s in sizes)
    assert sizes == sorted(sizes, reverse=True)
    with pytest.raises(ValueError):
        default_window(0)


def test_shapes_nonnegative_and_nan_passthrough(fitted):
    g, model = fitted
    x = g.mains.copy()
    x[[0, 50, 51, 599]] = np.nan
    y = model.predict(x)
    assert y.shape == (2, len(x)) and y.dtype == np.float32
    assert np.all(np.isnan(y[:, [0, 50, 51, 599]]))
    ok = np.isfinite(x)
    assert np.all(np.isfinite(y[:, ok])) and np.all(y[:, ok] >= 0)
    assert model.names_ == ["water_heater", "fridge"] and model.window_ == 11
    # a single sample and an empty series are legal inputs
    assert model.predict(g.mains[:1]).shape == (2, 1)
    assert model.predict(np.array([], dtype=np.float32)).shape == (2, 0)


def _windowed(model, x, k=0):
    """Appliance ``k`` through the reference path: every window through the whole network."""
    padded = model._padded(x)
    z = windowed_output(model.nets_[k], padded.unfold(0, model.window_, 1), np.arange(len(x)),
                        "cpu")
    return z * model.target_std_[k] + model.target_mean_[k]


@pytest.mark.parametrize(("filters", "kernels", "window"),
                         [((4, 4), (3, 3), 11), ((6, 5, 4), (10, 8, 6), 25),
                          ((3, 3, 3, 3, 3), (10, 8, 6, 5, 4), 29), ((5, 4), (4, 1), 9)])
@pytest.mark.slow
def test_convolutional_equals_windowed(filters, kernels, window):
    """Fully convolutional inference equals the windowed network to 1e-5 (standardised output):
    even and odd widths, a width-1 layer, a window one sample wider than the boundary bands, NaN
    gaps, both series ends, chunks of 1, 7 and all windows."""
    g = synthetic_grid(n=400, seed=5)
    m = Seq2Point(**{**TINY, "filters": filters, "kernels": kernels, "window": window,
                     "epochs": 1}, seed=1).fit(g)
    net = m.nets_[0]
    assert convolutional_supported(net, window)
    x = g.mains.copy()
    x[[0, 1, 150, 151, 152, 399]] = np.nan
    padded = m._padded(x)
    want = windowed_output(net, padded.unfold(0, window, 1), np.arange(len(x)), "cpu")
    z = padded[window // 2:len(padded) - window // 2].numpy()
    per = inference_bytes_per_sample(net, window)
    for budget in (per, 7 * per, 1 << 30):
        got = convolutional_output(net, z, window, "cpu", max_bytes=budget)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.predict(x)[0][np.isfinite(x)],
                               np.maximum(_windowed(m, x), 0)[np.isfinite(x)],
                               rtol=1e-5, atol=1e-5 * m.target_std_[0])


def test_narrow_window_falls_back_to_windowed():
    """A window no wider than the boundary bands (3 layers of width 5 need 12 samples plus one)
    is run window by window; the result is the same network output."""
    g = synthetic_grid(n=200, seed=6)
    m = Seq2Point(**{**TINY, "filters": (3, 3, 3), "kernels": (5, 5, 5), "window": 11,
                     "epochs": 1}).fit(g)
    assert not convolutional_supported(m.nets_[0], 11)
    with pytest.raises(ValueError, match="not wider"):
        convolutional_output(m.nets_[0], np.zeros(20, np.float32), 11)
    np.testing.assert_allclose(m.predict(g.mains)[0], np.maximum(_windowed(m, g.mains), 0),
                               rtol=1e-5, atol=1e-4)


def test_cuda_without_a_gpu_falls_back_to_cpu_with_a_warning(fitted, monkeypatch):
    """device="cuda" on a machine without CUDA trains and predicts on the CPU, saying so once
    per call; the numbers are the CPU ones."""
    g, model = fitted
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        assert resolve_device("cuda") == "cpu"
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        gpu = Seq2Point(**{**TINY, "device": "cuda"}, seed=3).fit(g)
    for a, b in zip(weights(model), weights(gpu), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        np.testing.assert_array_equal(gpu.predict(g.mains), model.predict(g.mains))


def test_default_window_used_when_none():
    g = synthetic_grid(n=200, period=1800.0)
    params = {**TINY, "window": None, "epochs": 1}
    m = Seq2Point(**params).fit(g)
    assert m.window_ == default_window(1800.0)


def test_same_seed_bit_identical_other_seed_differs(fitted):
    g, model = fitted
    again = Seq2Point(**TINY, seed=3).fit(g)
    for a, b in zip(weights(model), weights(again), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(g.mains), again.predict(g.mains))
    other = Seq2Point(**TINY, seed=4).fit(g)
    assert not np.array_equal(weights(model)[0], weights(other)[0])


def test_global_torch_state_untouched(fitted):
    g, _ = fitted
    torch.manual_seed(123)
    expected = torch.rand(3)
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    Seq2Point(**{**TINY, "epochs": 1}, seed=0, threads=1).fit(g)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())
    assert torch.get_num_threads() == threads


def test_save_load_round_trip(fitted, tmp_path):
    g, model = fitted
    path = tmp_path / "s2p.npz"
    model.save(path)
    back = Seq2Point.load(path)
    assert back.get_params() == model.get_params()
    assert back.names_ == model.names_ and back.window_ == model.window_
    np.testing.assert_array_equal(back.predict(g.mains), model.predict(g.mains))
    assert [p.name for p in tmp_path.iterdir()] == ["s2p.npz"]  # no temp file left behind


def test_save_unfitted_and_load_foreign_file(tmp_path):
    with pytest.raises(RuntimeError):
        Seq2Point().save(tmp_path / "x.npz")
    np.savez(tmp_path / "other.npz", meta=np.frombuffer(b'{"format": "x"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="not a nilm Seq2Point"):
        Seq2Point.load(tmp_path / "other.npz")


def test_bad_parameters():
    g = synthetic_grid(n=100)
    with pytest.raises(ValueError, match="odd"):
        Seq2Point(**{**TINY, "window": 10}).fit(g)
    with pytest.raises(ValueError, match="val_fraction"):
        Seq2Point(**{**TINY, "val_fraction": 0.6}).fit(g)
    with pytest.raises(ValueError, match="period"):
        Seq2Point(**TINY).fit(g).predict(Grid(0, 30.0, g.mains, g.appliances, g.names))


def test_early_stopping_uses_time_ordered_validation(fitted):
    _, model = fitted
    for hist, kept in zip(model.history_, model.epochs_, strict=True):
        assert len(hist["val"]) == len(hist["train"]) >= 1
        assert hist["val"][kept - 1] == min(hist["val"])


def test_nan_training_intervals_ignored():
    g = synthetic_grid(n=300)
    g.appliances[0, 100:150] = np.nan
    g.mains[10] = np.nan
    m = Seq2Point(**TINY).fit(g)
    assert np.isfinite(m.target_mean_).all() and np.isfinite(m.mains_mean_)
    assert np.all(np.isfinite(m.predict(g.mains)[:, 11:]))


def test_learns_better_than_mean_baseline():
    """Held-out later half of a simulated house: Seq2Point must beat predicting the training
    mean (the Mean baseline) by a wide margin on an appliance that is trivially visible."""
    g = synthetic_grid(n=1200, seed=7)
    train, test = g.slice(0, 800), g.slice(800, 1200)
    m = Seq2Point(**{**TINY, "epochs": 10, "patience": 4}, seed=0).fit(train)
    pred = m.predict(test.mains)
    for k in range(2):
        mae = np.mean(np.abs(pred[k] - test.appliances[k]))
        mae_mean = np.mean(np.abs(train.appliances[k].mean() - test.appliances[k]))
        assert mae < 0.5 * mae_mean, (g.names[k], mae, mae_mean)


@pytest.mark.realdata
@pytest.mark.slow
def test_uci_water_heater_beats_mean(shared_data):
    """Real data (UCI Sceaux, sub-meter 3 = water heater + AC), 1 min, first week train, next
    3 days test; a small network and 3 epochs."""
    import nilm

    path = shared_data / "uci_household_power_consumption" / "sceaux_2006-12-16_to_2007-01-19"
    house = nilm.load(path)
    g = house.to_grid(60).select(["water_heater"])
    day = 1440
    train, test = g.slice(0, 7 * day), g.slice(7 * day, 10 * day)
    m = Seq2Point(window=61, filters=(8, 8, 16), kernels=(9, 7, 5), hidden=32, epochs=3,
                  device="cpu", seed=0).fit(train)
    pred = m.predict(test.mains)[0]
    ok = np.isfinite(test.appliances[0]) & np.isfinite(pred)
    mae = np.mean(np.abs(pred[ok] - test.appliances[0, ok]))
    mae_mean = np.mean(np.abs(np.nanmean(train.appliances[0]) - test.appliances[0, ok]))
    assert mae < mae_mean

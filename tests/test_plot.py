"""nilm.plot: the figures are built from small inputs, carry the expected axes, labels and
real/simulated titles, are deterministic, and refuse bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nilm import plot
from nilm.series import Household, PowerSeries
from nilm.study import COLUMNS


def tidy_results(seed: int = 0) -> pd.DataFrame:
    """A small study table: a simulated dataset (3 houses, native 10 s) and a real one (1 house,
    native 60 s), 4 inferences, two occupancy attacks; values fall with the period."""
    rng = np.random.default_rng(seed)
    rows = []
    ladder = {"1min": 60, "10min": 600, "30min": 1800, "60min": 3600}
    metrics = {"occupancy": [("absence", "mcc", 0.0), ("absence", "f1_absent", 0.3)],
               "routine": [("wake", "within_30min", 0.4), ("wake", "mae_min", 60.0)],
               "appliances": [("kettle", "day_use_f1", 0.6), ("fridge", "day_use_f1", 0.9),
                              ("kettle", "day_use_mcc", 0.0), ("fridge", "day_use_mcc", 0.0)],
               "hot_water": [("water_heater", "mae_kwh_day", 1.5)]}
    for ds, sim, houses, native in (("simulated", True, ["s0", "s1", "s2"], 10),
                                    ("UCI", False, ["sceaux"], 60)):
        for res, p in {"native": native, **ladder}.items():
            for inf, ms in metrics.items():
                methods = (["supervised", "unsupervised"] if inf == "occupancy"
                           else [plot.HEADLINE[inf].method])
                for meth in methods:
                    worse = 0.1 if meth == "unsupervised" else 0.0
                    for h in houses:
                        for tgt, met, prior in ms:
                            drop = np.log10(p) / 5
                            if met.startswith("mae"):
                                v = prior * (0.3 + 0.5 * drop + worse)
                                sk = 1 - v / prior
                            else:
                                v = prior + (1 - prior) * (0.8 - 0.5 * drop - worse)
                                v += rng.normal(0, 0.02)
                                sk = (v - prior) / (1 - prior)
                            rows.append(dict(
                                dataset=ds, house=h, period_s=p, resolution=res, inference=inf,
                                method=meth, target=tgt, metric=met, value=v, ci_low=v - 0.05,
                                ci_high=v + 0.05, n=20, prior=prior, skill=sk, floor=np.nan,
                                seed=1, split="temporal_half", simulated=sim))
    return pd.DataFrame(rows, columns=COLUMNS)


def test_period_label():
    assert plot.period_label(2) == "2 s"
    assert plot.period_label(60) == "1 min"
    assert plot.period_label(600) == "10 min"
    assert plot.period_label(1800) == "30 min"
    assert plot.period_label(3600) == "1 h"
    assert plot.period_label(86400) == "1 day"
    assert plot.period_label(90) == "90 s"
    for bad in (0, -5, float("nan")):
        with pytest.raises(ValueError):
            plot.period_label(bad)


def test_data_label_says_real_or_simulated():
    assert plot.data_label(True, "simulated") == "simulated (nilm.simulate)"
    assert plot.data_label("False", "UCI") == "real (UCI)"
    assert plot.data_label(False) == "real"


def test_leakage_vs_resolution_axes_and_labels():
    fig = plot.leakage_vs_resolution(tidy_results())
    axes = fig.axes
    assert len(axes) == 2
    titles = [ax.get_title() for ax in axes]
    assert titles[0].startswith("simulated") and "3 households" in titles[0]
    assert titles[1].startswith("real (UCI)") and "1 household" in titles[1]
    for ax in axes:
        assert ax.get_xscale() == "log"
        assert len(ax.get_lines()) >= 4  # one per inference (+ the zero line)
    ticks = [t.get_text() for t in axes[0].get_xticklabels()]
    assert ticks == ["10 s", "1 min", "10 min", "30 min", "1 h"]
    assert "skill" in axes[0].get_ylabel()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == 4  # one entry per inference, not per panel
    assert any("wake-up" in s for s in labels) and any("mcc" in s for s in labels)
    assert "skill below -1" in fig._suptitle.get_text()


def test_leakage_marks_skills_below_the_floor():
    res = tidy_results()
    hit = (res.dataset == "UCI") & (res.metric == "mae_kwh_day") & (res.period_s == 600)
    res.loc[hit, "value"] = 50 * res.loc[hit, "prior"]  # skill -49
    fig = plot.leakage_vs_resolution(res)
    real = fig.axes[1]
    line = next(ln for ln in real.get_lines() if ln.get_label().startswith("hot-water"))
    x, y = line.get_data()
    assert y[list(x).index(600.0)] == plot.SKILL_FLOOR
    assert real.get_ylim()[0] > -1.2
    marks = [ln for ln in real.get_lines() if ln.get_marker() == "v"]
    assert len(marks) == 1 and list(marks[0].get_data()[0]) == [600.0]


def test_leakage_lines_follow_the_numbers():
    res = tidy_results()
    fig = plot.leakage_vs_resolution(res)
    real = fig.axes[1]
    line = next(ln for ln in real.get_lines() if "wake-up" in ln.get_label())
    x, y = line.get_data()
    r = res[(res.dataset == "UCI") & (res.metric == "within_30min") & (res.resolution != "native")]
    r = r.sort_values("period_s")
    np.testing.assert_allclose(x, r.period_s.to_numpy(float))
    np.testing.assert_allclose(y, r.skill.to_numpy(float), atol=1e-12)


def test_leakage_refuses_bad_input():
    with pytest.raises(TypeError):
        plot.leakage_vs_resolution([1, 2, 3])
    with pytest.raises(ValueError, match="lack"):
        plot.leakage_vs_resolution(tidy_results().drop(columns=["prior"]))
    with pytest.raises(ValueError, match="empty"):
        plot.leakage_vs_resolution(tidy_results().iloc[:0])
    other = tidy_results().assign(metric="nothing_headline")
    with pytest.raises(ValueError, match="headline"):
        plot.leakage_vs_resolution(other)


def test_detectability_heatmap_cells():
    res = tidy_results()
    fig = plot.detectability_heatmap(res, dataset="UCI", value="value")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fridge", "kettle"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1 min", "10 min", "30 min", "1 h"]
    assert "real (UCI)" in ax.get_title()
    m = ax.get_images()[0].get_array()
    r = res[(res.dataset == "UCI") & (res.target == "kettle") & (res.period_s == 600)]
    assert m[1, 1] == pytest.approx(float(r[r.metric == "day_use_mcc"].value.iloc[0]))
    f1 = plot.detectability_heatmap(res, dataset="UCI", value="value", metric="day_use_f1")
    assert f1.axes[0].get_images()[0].get_array()[1, 1] == pytest.approx(
        float(r[r.metric == "day_use_f1"].value.iloc[0]))
    sim = plot.detectability_heatmap(res)
    assert "simulated" in sim.axes[0].get_title()
    with pytest.raises(ValueError):
        plot.detectability_heatmap(res, value="f1")
    with pytest.raises(ValueError, match="no appliance rows"):
        plot.detectability_heatmap(res, dataset="nope")


def test_png_is_deterministic(tmp_path):
    res = tidy_results()
    a = plot.png_bytes(plot.leakage_vs_resolution(res))
    b = plot.png_bytes(plot.leakage_vs_resolution(res))
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == b
    plot.save_png(plot.leakage_vs_resolution(res), tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes() == a
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary left


@pytest.fixture(scope="module")
def simulated():
    from nilm.simulate import simulate_household

    return simulate_household(4, seed=3, period=60)


def test_carpet_draws_attacks_and_truth(simulated):
    h, truth = simulated.household, simulated.truth
    fig = plot.carpet(h, truth, periods=(None, 600, 1800))
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in panels] == ["1 min", "10 min", "30 min"]
    assert "simulated" in fig._suptitle.get_text()
    img = panels[1].get_images()[0].get_array()
    assert img.shape == (4, 144)  # 4 days × 144 ten-minute columns
    # the 10-min column mean equals the household's 10-min grid, day 0, 08:00–08:10 local
    grid = h.to_grid(600)
    from nilm.privacy.scores import local_clock

    day, sod = local_clock(grid.t, h.timezone)
    i = np.flatnonzero((day == day.min()) & (sod == 8 * 3600))[0]
    assert img[0, 48] == pytest.approx(max(float(grid.mains[i]), 10.0), rel=1e-5)
    # inferred wake-up (▲) and true wake/bed (×) markers are drawn
    markers = {ln.get_marker() for ln in panels[0].get_lines()}
    assert {"^", "v", "x"} <= markers
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "true absence" in legend and "inferred absence" in legend


def test_carpet_without_truth_and_bad_input(simulated):
    fig = plot.carpet(simulated.household, periods=(1800,))
    assert "x" not in {ln.get_marker() for ln in fig.axes[0].get_lines()}
    with pytest.raises(TypeError):
        plot.carpet(simulated.household.to_grid(600))
    empty = Household(None, {}, {"dataset": "x", "house": "1"})
    with pytest.raises(ValueError, match="mains"):
        plot.carpet(empty)
    with pytest.raises(ValueError):
        plot.carpet(simulated.household, periods=())
    nan = Household(PowerSeries(np.arange(0, 86400, 60), np.full(1440, np.nan), "mains"),
                    {}, {"dataset": "x", "house": "2"})
    with pytest.raises(ValueError, match="no valid mains"):
        plot.carpet(nan, periods=(600,))


def test_disaggregation_example(simulated):
    h = simulated.household
    fig = plot.disaggregation_example(h, periods=(600, 1800), model="co",
                                      appliances=["fridge", "lighting"])
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["10 min", "30 min"]
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels[0] == "mains"
    assert {"fridge (true)", "fridge (co)", "lighting (true)", "lighting (co)"} <= set(labels)
    assert "simulated" in fig._suptitle.get_text()
    # the drawn day is a test day (second half): after the first two local days
    assert "2024-01-10" in fig._suptitle.get_text() or "2024-01-11" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="model"):
        plot.disaggregation_example(h, model="nope")
    with pytest.raises(ValueError, match="no sub-meter"):
        plot.disaggregation_example(h, appliances=["spaceship"])
    bare = Household(h.mains, {}, dict(h.meta))
    with pytest.raises(ValueError, match="sub-meters"):
        plot.disaggregation_example(bare)

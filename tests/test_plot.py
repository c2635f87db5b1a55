"""nilm.plot: the figures are built from small inputs (the report's summaries, the dicts of
nilm.figure_data), carry the expected axes, labels and real/simulated titles, are
deterministic, and refuse bad input."""

from __future__ import annotations

import numpy as np
import pytest

from nilm import figure_data, plot, report
from nilm.series import Household, PowerSeries
from tests.synthetic import tidy_results


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


def leakage(results):
    return plot.leakage_vs_resolution(report.headline_table(results))


def test_leakage_vs_resolution_axes_and_labels():
    fig = leakage(tidy_results())
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
    fig = leakage(res)
    real = fig.axes[1]
    line = next(ln for ln in real.get_lines() if ln.get_label().startswith("hot-water"))
    x, y = line.get_data()
    assert y[list(x).index(600.0)] == plot.SKILL_FLOOR
    assert real.get_ylim()[0] > -1.2
    marks = [ln for ln in real.get_lines() if ln.get_marker() == "v"]
    assert len(marks) == 1 and list(marks[0].get_data()[0]) == [600.0]


def test_leakage_lines_follow_the_numbers():
    res = tidy_results()
    fig = leakage(res)
    real = fig.axes[1]
    line = next(ln for ln in real.get_lines() if "wake-up" in ln.get_label())
    x, y = line.get_data()
    r = res[(res.dataset == "UCI") & (res.metric == "within_30min") & (res.resolution != "native")]
    r = r.sort_values("period_s")
    np.testing.assert_allclose(x, r.period_s.to_numpy(float))
    np.testing.assert_allclose(y, r.skill.to_numpy(float), atol=1e-12)


def test_leakage_refuses_bad_input():
    table = report.headline_table(tidy_results())
    with pytest.raises(TypeError):
        plot.leakage_vs_resolution([1, 2, 3])
    with pytest.raises(ValueError, match="lacks"):
        plot.leakage_vs_resolution(table.drop(columns=["skill_lo"]))
    with pytest.raises(ValueError, match="empty"):
        plot.leakage_vs_resolution(table.iloc[:0])
    other = tidy_results().assign(metric="nothing_headline")
    with pytest.raises(ValueError, match="empty"):
        leakage(other)


def test_detectability_heatmap_cells():
    res = tidy_results()
    fig = plot.detectability_heatmap(report.appliance_detectability(res, dataset="UCI"),
                                     value="value")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fridge", "kettle"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1 min", "10 min", "30 min", "1 h"]
    assert "real (UCI)" in ax.get_title()
    m = ax.get_images()[0].get_array()
    r = res[(res.dataset == "UCI") & (res.target == "kettle") & (res.period_s == 600)]
    assert m[1, 1] == pytest.approx(float(r[r.metric == "day_use_mcc"].value.iloc[0]))
    f1 = plot.detectability_heatmap(report.appliance_detectability(
        res, dataset="UCI", metric="day_use_f1"), value="value")
    assert f1.axes[0].get_images()[0].get_array()[1, 1] == pytest.approx(
        float(r[r.metric == "day_use_f1"].value.iloc[0]))
    sim = plot.detectability_heatmap(report.appliance_detectability(res))
    assert "simulated" in sim.axes[0].get_title()
    with pytest.raises(ValueError):
        plot.detectability_heatmap(report.appliance_detectability(res), value="f1")
    with pytest.raises(ValueError, match="no appliance rows"):
        report.appliance_detectability(res, dataset="nope")


def test_png_is_deterministic(tmp_path):
    res = tidy_results()
    a = plot.png_bytes(leakage(res))
    b = plot.png_bytes(leakage(res))
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == b
    plot.save_png(leakage(res), tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes() == a
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary left


@pytest.fixture(scope="module")
def simulated():
    from nilm.simulate import simulate_household

    return simulate_household(4, seed=3, period=60)


def test_carpet_draws_attacks_and_truth(simulated):
    h, truth = simulated.household, simulated.truth
    fig = plot.carpet(figure_data.carpet_data(h, truth, periods=(None, 600, 1800)))
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in panels] == ["1 min", "10 min", "30 min"]
    assert "simulated" in fig._suptitle.get_text()
    img = panels[1].get_images()[0].get_array()
    assert img.shape == (4, 144)  # 4 days × 144 ten-minute columns
    # the 10-min column mean equals the household's 10-min grid, day 0, 08:00–08:10 local
    grid = h.to_grid(600)
    from nilm.clock import local_clock

    day, sod = local_clock(grid.t, h.timezone)
    i = np.flatnonzero((day == day.min()) & (sod == 8 * 3600))[0]
    assert img[0, 48] == pytest.approx(max(float(grid.mains[i]), 10.0), rel=1e-5)
    # inferred wake-up (▲) and true wake/bed (×) markers are drawn
    markers = {ln.get_marker() for ln in panels[0].get_lines()}
    assert {"^", "v", "x"} <= markers
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "true absence" in legend and "inferred absence" in legend


def test_carpet_without_truth_and_bad_input(simulated):
    data = figure_data.carpet_data(simulated.household, periods=(1800,))
    assert data["truth"] is None
    fig = plot.carpet(data)
    assert "x" not in {ln.get_marker() for ln in fig.axes[0].get_lines()}
    with pytest.raises(ValueError, match="panel"):
        plot.carpet({**data, "panels": []})
    with pytest.raises(TypeError):
        figure_data.carpet_data(simulated.household.to_grid(600))
    empty = Household(None, {}, {"dataset": "x", "house": "1"})
    with pytest.raises(ValueError, match="mains"):
        figure_data.carpet_data(empty)
    with pytest.raises(ValueError):
        figure_data.carpet_data(simulated.household, periods=())
    nan = Household(PowerSeries(np.arange(0, 86400, 60), np.full(1440, np.nan), "mains"),
                    {}, {"dataset": "x", "house": "2"})
    with pytest.raises(ValueError, match="no valid mains"):
        figure_data.carpet_data(nan, periods=(600,))


def test_disaggregation_example(simulated):
    h = simulated.household
    fig = plot.disaggregation_example(figure_data.disaggregation_data(
        h, periods=(600, 1800), model="co", appliances=["fridge", "lighting"]))
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["10 min", "30 min"]
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels[0] == "mains"
    assert {"fridge (true)", "fridge (co)", "lighting (true)", "lighting (co)"} <= set(labels)
    assert "simulated" in fig._suptitle.get_text()
    # the drawn day is a test day (second half): after the first two local days
    assert "2024-01-10" in fig._suptitle.get_text() or "2024-01-11" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="model"):
        figure_data.disaggregation_data(h, model="nope")
    with pytest.raises(ValueError, match="no sub-meter"):
        figure_data.disaggregation_data(h, appliances=["spaceship"])
    bare = Household(h.mains, {}, dict(h.meta))
    with pytest.raises(ValueError, match="sub-meters"):
        figure_data.disaggregation_data(bare)


def test_carpet_truth_with_unknown_presence_draws_only_known_absences(simulated):
    """A proxy truth is float with NaN where presence is unknown (truth_proxy): the carpet
    draws a red bar for a known absence (0) only, never for an unknown interval."""
    h, truth = simulated.household, simulated.truth
    data = figure_data.carpet_data(h, truth, periods=(1800,))
    t = data["truth"]
    present = np.asarray(t["present"], dtype=float)
    n = len(present)
    present[:] = np.nan                        # everything unknown ...
    present[n // 2: n // 2 + 10] = 0.0         # ... but one known absence

    def true_bars(fig):  # the red bars are the truth's; inferred absences are hatched
        return sum(len(c.get_paths()) for c in fig.axes[0].collections
                   if len(c.get_facecolor()) and np.allclose(c.get_facecolor()[0], [1, 0, 0, 1]))
    fig = plot.carpet({**data, "truth": {**t, "present": present}})
    assert true_bars(fig) == 1
    present[:] = np.nan
    fig = plot.carpet({**data, "truth": {**t, "present": present}})
    assert true_bars(fig) == 0

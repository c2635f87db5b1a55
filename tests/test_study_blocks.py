"""Training blocks (``train_block``): a block of houses is attacked by learned attacks fitted
once on the houses after the block, with the block's first house's seed; the scorers keep each
cell's own seed. The blocks, their training houses and the null's partners never overlap."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from nilm import null
from nilm.study import Source, StudySpec, plan
from nilm.study.plan import block_size, block_training_houses, null_skip, training_blocks


@pytest.mark.parametrize("n,k,b", [(12, 3, 3), (50, 5, 5), (8, 5, 3), (13, 2, 4), (7, 2, 9)])
def test_blocks_their_training_houses_and_partners_are_disjoint(n, k, b):
    spec = StudySpec(sources=[Source("sim", households=n)], max_train_households=k,
                     train_block=b)
    houses = [f"h{i:02d}" for i in range(n)]
    blocks = training_blocks(spec, spec.sources[0], houses)
    size = block_size(n, k, b)
    assert size == max(1, min(b, (n - k) // 2))
    assert [h for blk in blocks for h in blk] == houses  # a partition, in house order
    assert all(len(blk) == size for blk in blocks[:-1])
    skip = null_skip(spec, spec.sources[0], houses)
    for blk in blocks:
        train = block_training_houses(houses, blk, k)
        assert len(train) == min(k, n - 1) and not set(train) & set(blk)
        for h in blk:
            p = null.partner(houses, h, skip)
            assert p != h and p not in train, (h, p, train)


def test_default_blocks_are_single_houses_with_the_old_skip():
    spec = StudySpec(sources=[Source("sim", households=50)])
    houses = [str(i) for i in range(50)]
    assert training_blocks(spec, spec.sources[0], houses) == [[h] for h in houses]
    assert null_skip(spec, spec.sources[0], houses) == spec.max_train_households
    assert block_training_houses(houses, ["3"], 5) == ["4", "5", "6", "7", "8"]


def test_a_block_house_gets_the_block_fit_and_its_own_bootstrap(tmp_path):
    """The second house of a block: each learned attack fitted on the block's training houses
    with the seed of the block's first house, then scored with the house's own seed, gives the
    study's rows; the direct detector narrowed from the block's fit equals one fitted on the
    house's appliances alone. And the fit seed matters (a per-house fit gives other rows)."""
    from nilm.privacy import ATTACKS, INFERENCES
    from nilm.privacy.base import evaluate
    from nilm.study import fingerprint, house_ids, load_house, materialise, read_cell
    from nilm.study.run import run_house_job

    spec = StudySpec(sources=[Source("sim", households=6, days=3, period=60, seed=3)],
                     seed=7, resolutions=["1min", "30min"],
                     inferences=["occupancy", "routine", "appliances"],
                     methods={"occupancy": ["supervised"], "appliances": ["direct"],
                              "routine": ["regression"]},
                     n_boot=20, max_train_households=2, train_block=2)
    source = spec.sources[0]
    materialise(source, tmp_path)
    houses = house_ids(source, tmp_path)
    jobs = plan(spec, tmp_path)
    block = training_blocks(spec, source, houses)[0]
    assert len(block) == 2 and ("sim", block[1]) not in jobs
    cells = jobs[("sim", block[0])]
    assert {c.house for c in cells} == set(block)
    assert run_house_job(spec.to_dict(), str(tmp_path), "sim", block[0], cells) == len(cells)
    fp = fingerprint(spec, "sim")
    house = block[1]
    h, truth = load_house(source, house, tmp_path)
    others = [load_house(source, o, tmp_path) for o in block_training_houses(houses, block, 2)]
    checked = 0
    for cell in (c for c in cells if c.house == house):
        period = {"1min": 60, "30min": 1800}[cell.resolution]
        inf = INFERENCES[cell.inference]
        grid = h.to_grid(period)
        train = [(o.to_grid(period), t) for o, t in others]
        fit_seed = dataclasses.replace(cell, house=block[0]).seed(spec.seed)
        assert fit_seed != cell.seed(spec.seed)
        params = inf.params(grid, cell.method)
        cls = ATTACKS[f"{cell.inference}.{cell.method}"]
        features = None
        if getattr(cls, "reads_features", False) and period <= 60:
            features = (h.to_grid(60), [(o.to_grid(60), t) for o, t in others])

        own_inputs = inf.household_inputs(h, truth)
        inputs = {**own_inputs, **inf.grid_inputs(grid, truth, train, **own_inputs)}

        def rows_with(seed, features=features, cls=cls, params=params, grid=grid,
                      train=train, inf=inf, cell=cell, inputs=inputs):
            return pd.DataFrame(evaluate(cls(**params, seed=seed), grid, truth,
                                         design=inf.design, score=inf.score,
                                         seed=cell.seed(spec.seed), train=train,
                                         features=features, **inputs))

        want, own = rows_with(fit_seed), rows_with(cell.seed(spec.seed))
        got = pd.DataFrame(read_cell(tmp_path, cell, fp)["rows"])
        keys = ["target", "metric"]
        got, want, own = (d.sort_values(keys).reset_index(drop=True) for d in (got, want, own))
        assert len(got) == len(want) > 0, cell
        assert got.target.tolist() == want.target.tolist()
        for col in ("value", "ci_low", "ci_high", "prior", "skill"):
            np.testing.assert_array_equal(got[col].to_numpy(float), want[col].to_numpy(float),
                                          err_msg=f"{cell} {col}")
        checked += not np.allclose(own.value.to_numpy(float), want.value.to_numpy(float),
                                   equal_nan=True)
    # the fit seed changes at least one learned attack's rows (the block path was taken)
    assert checked >= 1


def test_block_results_do_not_depend_on_workers_or_job_cuts(tmp_path):
    """Three block jobs on six workers are cut by resolution (split_jobs): each part fits the
    block's attacks again, with the same training houses and seed, so results.csv is the same
    bytes as on one worker."""
    from nilm.study import run_study

    spec = StudySpec(sources=[Source("sim", households=6, days=2, period=60, seed=4)],
                     seed=3, resolutions=["1min", "30min"], inferences=["occupancy", "routine"],
                     methods={"occupancy": ["supervised", "clock_prior"],
                              "routine": ["regression"]},
                     n_boot=10, max_train_households=2, train_block=2)
    run_study(spec, tmp_path / "one", workers=1, progress=False)
    from nilm.study import plan, split_jobs

    assert len(split_jobs(plan(spec, tmp_path / "one"), 6)) == 6  # each block job in 2 parts
    run_study(spec, tmp_path / "six", workers=6, progress=False)
    one, six = ((tmp_path / d / "results.csv").read_bytes() for d in ("one", "six"))
    assert one == six and len(one) > 1000


def test_scaled_spec_keeps_the_sources_in_proportion():
    from nilm.study import scaled

    spec = StudySpec(sources=[Source("a", households=50), Source("b", households=8),
                              Source("c", kind="path", path=".")])
    small = scaled(spec, 29)
    assert [s.households for s in small.sources[:2]] == [25, 4]
    assert small.sources[2] == spec.sources[2] and scaled(spec, None) is spec
    assert [s.households for s in scaled(spec, 3).sources[:2]] == [3, 2]  # at least 2 each

"""local_to_utc over several DST transitions (regression: the repeated autumn hour must be
resolved once per year, not once per file)."""

import numpy as np
import pandas as pd
import pytest

from nilm.errors import NilmDataError
from nilm.io.text import local_to_utc


def _wall_and_utc(start, end, freq, tz):
    idx = pd.date_range(start, end, freq=freq, tz=tz)
    epoch = pd.Timestamp("1970-01-01")
    wall = np.asarray((idx.tz_localize(None) - epoch) // pd.Timedelta("1s"), dtype=np.int64)
    utc = np.asarray((idx.tz_convert("UTC").tz_localize(None) - epoch) // pd.Timedelta("1s"),
                     dtype=np.int64)
    return wall, utc


@pytest.mark.parametrize("tz", ["Europe/Paris", "America/New_York"])
def test_two_autumns_and_springs(tz):
    wall, utc = _wall_and_utc("2021-10-01", "2023-04-30", "7min", tz)
    assert np.array_equal(local_to_utc(wall, tz, mode="strict"), utc)


def test_ambiguous_hour_without_step_back_is_reported_per_year():
    # 2022-10-30 02:30 Paris appears once only: which pass cannot be told
    wall, _ = _wall_and_utc("2022-10-30 00:00", "2022-10-30 01:59", "30min", "UTC")
    wall = np.append(wall, wall[-1] + 1800)  # 02:00 local... kept once
    with pytest.raises(NilmDataError, match="ambiguous"):
        local_to_utc(wall, "Europe/Paris", mode="strict", path="x.csv")

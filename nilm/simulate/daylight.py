"""Sunrise and sunset times for lighting demand.

Implements the NOAA "General Solar Position Calculations" (NOAA Global Monitoring Division),
which use the Fourier series of Spencer (1971) for the equation of time and the solar
declination, and the standard -0.833 degree solar altitude at rise/set (refraction plus the
solar radius). Accuracy is about one to two minutes at mid latitudes, far finer than the
minute-level lighting decisions it drives.

J. W. Spencer, "Fourier series representation of the position of the sun", Search 2(5), 172 (1971).
"""

from __future__ import annotations

import numpy as np

#: zenith angle of the sun's centre at sunrise/sunset, degrees (refraction and solar radius)
ZENITH_RISE_SET_DEG = 90.833


def sunrise_sunset(day_epoch, latitude: float, longitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Sunrise and sunset of the UTC calendar day containing each ``day_epoch``.

    Parameters
    ----------
    day_epoch : int or array of int, epoch s UTC; any instant of the wanted day (local midnight
        works for longitudes within about +-90 degrees of Greenwich).
    latitude : degrees north (-90..90).
    longitude : degrees east (-180..180).

    Returns
    -------
    (sunrise, sunset) : float64 arrays, epoch s UTC. During polar night both are the solar
        noon (no daylight); during polar day sunrise is the day start and sunset the day end.
    """
    t = np.atleast_1d(np.asarray(day_epoch, dtype=np.int64))
    midnight = (t // 86400) * 86400
    doy = ((midnight - _year_start(midnight)) // 86400).astype(np.float64)  # 0-based
    gamma = 2.0 * np.pi / 365.0 * doy  # fractional year at noon (NOAA uses doy-1 with 1-based)
    eqtime = 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                       - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma))
    decl = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma)
            - 0.006758 * np.cos(2 * gamma) + 0.000907 * np.sin(2 * gamma)
            - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))
    lat = np.radians(latitude)
    cos_ha = (np.cos(np.radians(ZENITH_RISE_SET_DEG)) / (np.cos(lat) * np.cos(decl))
              - np.tan(lat) * np.tan(decl))
    ha = np.degrees(np.arccos(np.clip(cos_ha, -1.0, 1.0)))
    noon_min = 720.0 - 4.0 * longitude - eqtime
    rise = midnight + 60.0 * (noon_min - 4.0 * ha)
    sset = midnight + 60.0 * (noon_min + 4.0 * ha)
    return rise, sset


def _year_start(midnight: np.ndarray) -> np.ndarray:
    years = midnight.astype("datetime64[s]").astype("datetime64[Y]")
    return years.astype("datetime64[s]").astype(np.int64)

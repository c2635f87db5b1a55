"""A study cut into cells (one per source, house, resolution, inference and method, each with
its own seed) and the cells grouped into jobs (one per house; one per population of
:func:`population_pools` for the occupant count), split and ordered for the workers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .data import house_ids
from .spec import StudySpec


@dataclass(frozen=True)
class Cell:
    """One unit of a study's work and of its store: a method of an inference scored on one
    house (``"*"``: a population of :func:`population_pools`, named in ``source``) of one
    source at one resolution."""

    source: str
    house: str
    resolution: str
    inference: str
    method: str

    @property
    def key(self) -> str:
        return "|".join([self.source, self.house, self.resolution, self.inference, self.method])

    def seed(self, study_seed: int) -> int:
        """Seed of this cell: a hash of the study seed and the cell key without its resolution
        (run-order free). Every rung of one (source, house, inference, method) shares it:
        common random numbers, so a difference between resolutions is not a difference of
        classifier seeds or bootstrap draws, and learned attacks that read the same features
        at several rungs can fit once."""
        key = "|".join([self.source, self.house, self.inference, self.method])
        h = hashlib.sha256(f"{study_seed}|{key}".encode()).digest()
        return int.from_bytes(h[:4], "little")

    def filename(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()[:24] + ".json"


def period_of(resolution: str, household) -> int:
    """Seconds of ``resolution`` for ``household`` (``"native"``: its own period)."""
    from ..resample import parse_period

    return household.native_period if resolution == "native" else int(parse_period(resolution))


def population_pools(spec: StudySpec) -> dict:
    """The population the occupant count (a population inference) is cross-validated and
    bootstrapped over: every simulated source of ``spec``, named by their names joined with
    ``"+"`` (a single source: its own name) and mapped to their list of
    :class:`~nilm.study.spec.Source` (empty without simulated sources). At each rung the job
    pools the households recorded at that period or finer. One population, not one per
    source: the seasons of the headline study are one population of households, and a
    bootstrap over one row per source gives no CI (fewer than :data:`nilm.stats.MIN_BLOCKS`
    units)."""
    sim = [s for s in spec.sources if s.kind == "simulated"]
    return {"+".join(s.name for s in sim): sim} if sim else {}


def plan(spec: StudySpec, out: Path) -> dict[tuple[str, str], list[Cell]]:
    """Cells grouped by job: (source, first house of its training block) for per-house
    inferences (:func:`training_blocks`; one house per job unless ``spec.train_block`` > 1),
    (pool, "*") for the occupant count (:func:`population_pools`)."""
    jobs: dict[tuple[str, str], list[Cell]] = {}
    pools = population_pools(spec)
    first = {group[0].name: name for name, group in pools.items()}
    for source in spec.sources:
        houses = house_ids(source, out)
        job_of = {h: block[0] for block in training_blocks(spec, source, houses)
                  for h in block}
        for res in spec.resolutions:
            for inf in spec.inferences:
                for m in spec.methods_for(inf):
                    if inf == "occupants":
                        if source.name in first:  # a pool's cells, once, with its first source
                            pool = first[source.name]
                            jobs.setdefault((pool, "*"), []).append(
                                Cell(pool, "*", res, inf, m))
                        continue
                    for h in houses:
                        jobs.setdefault((source.name, job_of[h]), []).append(
                            Cell(source.name, h, res, inf, m))
    return jobs


def trains_on_others(spec: StudySpec, source, houses: list[str]) -> bool:
    """True when the houses of ``source`` train on other households of it (a simulated source
    of 3+ households under ``train_on_others``)."""
    return (spec.train_on_others and source.kind == "simulated"
            and min(spec.max_train_households, len(houses) - 1) >= 2)


def block_size(n: int, k: int, train_block: int) -> int:
    """Houses per training block of a source of ``n`` houses with ``k`` training households:
    ``train_block``, at most ``(n - k) // 2`` (so that a block, its ``k`` training houses and
    the null's partners, :func:`nilm.null.partner`, never overlap), at least 1."""
    return max(1, min(int(train_block), (n - k) // 2))


def training_blocks(spec: StudySpec, source, houses: list[str]) -> list[list[str]]:
    """The source's houses cut into training blocks, consecutive in house order: every house
    of a block is attacked by the same fitted learned attacks, trained on the block's
    :func:`block_training_houses` (K-fold-like: a block of ``k`` is trained on the next ``k``
    houses). One house per block (each house trained on the ``k`` after it, the default) unless
    ``spec.train_block`` > 1 and the houses train on others (:func:`trains_on_others`)."""
    b = 1
    if trains_on_others(spec, source, houses):
        b = block_size(len(houses), spec.max_train_households, spec.train_block)
    return [houses[i:i + b] for i in range(0, len(houses), b)]


def null_skip(spec: StudySpec, source, houses: list[str]) -> int:
    """The ``skip`` of :func:`nilm.null.partner` for ``source``: the houses after an attacked
    one that may have trained its attacks (its block's others and the block's training
    houses: ``block size + k - 1``; ``k`` for blocks of one), 0 without training on others."""
    if not spec.train_on_others:
        return 0
    b = len(training_blocks(spec, source, houses)[0])
    return b + spec.max_train_households - 1


def block_training_houses(houses: list[str], block: list[str], k: int) -> list[str]:
    """The at most ``k`` houses that train every house of ``block``: the
    :func:`training_houses` of its last house, those following the block cyclically (none of
    them in the block, :func:`block_size` leaving room). A block of one house: its own."""
    return training_houses(houses, block[-1], k)


def split_jobs(jobs: dict[tuple[str, str], list[Cell]], workers: int
               ) -> list[tuple[tuple[str, str], list[Cell]]]:
    """The jobs to schedule on ``workers`` workers: the house jobs of :func:`plan`, each cut
    into parts by resolution when there are fewer house jobs than workers.

    A house's cost falls by orders of magnitude along the ladder (a 1-s year has 31.5 M
    intervals, its 2-s grid half as many, its 1-min grid 0.5 M), so with ``p`` parts the first
    ``p − 1`` resolutions of the spec run alone and the rest together. Every part loads the
    house again and learned attacks that share features across rungs fit again, so a part is
    made only for a worker that would otherwise idle. Results are those of the uncut job: a
    cell's rows depend only on its house, its resolution and its seed.
    """
    out = list(jobs.items())
    houses = [k for k in jobs if k[1] != "*"]
    if not houses or len(houses) >= workers:
        return out
    per_house = max(1, workers // len(houses))
    result = []
    for key, cells in out:
        res = list(dict.fromkeys(c.resolution for c in cells))
        p = min(per_house, len(res)) if key[1] != "*" else 1
        if p <= 1:
            result.append((key, cells))
            continue
        groups = [res[i:i + 1] for i in range(p - 1)] + [res[p - 1:]]
        result += [(key, [c for c in cells if c.resolution in g]) for g in groups]
    return result


def training_houses(houses: list[str], house: str, k: int) -> list[str]:
    """The at most ``k`` houses that train ``house``'s attacks: those following it in
    ``houses``, cyclically (deterministic, and each house trains as many others)."""
    if house not in houses:
        return houses[:k]
    i = houses.index(house)
    chosen = {houses[(i + j) % len(houses)] for j in range(1, min(k, len(houses) - 1) + 1)}
    return [h for h in houses if h in chosen]  # in house order, as the training data stack


def schedule_order(jobs: list[tuple[tuple[str, str], list[Cell]]]
                   ) -> list[tuple[tuple[str, str], list[Cell]]]:
    """The jobs in the order they are handed to workers: population jobs (house ``"*"``, which
    read every house of their source and are the longest) first, then the house jobs in plan
    order. Longest first shortens the run on a few workers (a population job started last
    runs alone at the end); the order changes no result, each cell depending only on its own
    inputs and seed."""
    return sorted(jobs, key=lambda job: job[0][1] != "*")


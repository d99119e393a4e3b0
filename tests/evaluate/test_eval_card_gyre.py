"""The report card tells a good generator from bad ones on GYRE (packaged generator).

Two bad generators, each followed by the final projection (``Generator.constrain``) onto
C1 + T-S + stability, which alone meets every constraint check: the training mean plus
Gaussian noise of the training std, and real states whose levels below 500 m are shuffled
across states. The packaged generator passes every check, the per-level spread included."""

import numpy as np
import pytest

from nemoml.evaluate.physics import ReportCard
from nemoml.evaluate.report import REFERENCE_KEYS, checks
from nemoml.generate import load_generator
from nemoml.generate.bench import PACKAGED
from nemoml.generate.data import load_states

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (PACKAGED / "generator.json").is_file(),
                                 reason="packaged generator not built")]
CONSTRAINTS = ["c1", "ts", "stability"]
N = 8


def _noise(ref: dict, tmask: np.ndarray, rng) -> dict:
    out = {}
    for var in ("T", "S"):
        a = np.asarray(ref[var])
        std = np.array([a[:, k][:, tmask[k]].std() if tmask[k].any() else 0.0
                        for k in range(len(tmask))])
        out[var] = (a.mean(0) + std[:, None, None] * rng.standard_normal((N,) + a.shape[1:]))
        out[var] *= tmask
    ssh = np.asarray(ref["SSH"])
    out["SSH"] = (ssh.mean(0) + ssh.std() * rng.standard_normal((N,) + ssh.shape[1:])) * tmask[0]
    return out


def _shuffled(ref: dict, deep: np.ndarray, rng) -> dict:
    idx = rng.choice(len(ref["T"]), N, replace=False)
    out = {k: np.asarray(v)[idx].copy() for k, v in ref.items()}
    perm = rng.permutation(N)
    for var in ("T", "S"):
        out[var][:, deep] = out[var][perm][:, deep]
    return out


@pytest.fixture(scope="module")
def result(shared):
    gen = load_generator(PACKAGED)
    grid = gen.layout.grid
    ref = load_states(shared / "gyre" / "gyre_states.nc", gen.layout.variables,
                      nz=grid.shape[0], min_year=60).fields
    ref = {k: v[::4] for k, v in ref.items()}  # 42 states of years 60-129
    rng = np.random.default_rng(0)
    sets = {"Data": ref,
            "Noise": gen.constrain(_noise(ref, grid.tmask, rng), CONSTRAINTS),
            "Shuffled": gen.constrain(_shuffled(ref, grid.gdept > 500, rng), CONSTRAINTS),
            "Generator": gen.sample(N, seed=123, constraints=CONSTRAINTS, steps=50)}
    card = ReportCard(grid, gen.density, ref)
    summary = {n: card.evaluate(n, f, is_reference=n == "Data").summary()
               for n, f in sets.items()}
    under = card.evaluate("under", gen.constrain(ref, CONSTRAINTS)).summary()
    refs = {n: {k: under[k] for k in REFERENCE_KEYS} for n in sets if n != "Data"}
    return checks(summary, "Data", None, refs), summary


def test_noise_fails_the_card(result):
    got, _ = result
    assert not got["Noise"]["level_spread"] and not got["Noise"]["diversity"]


@pytest.mark.xfail(strict=True, reason="known: once the projection judges stability by N² "
                   "it leaves no unstable interface, and the shuffled set failed only the N² < 0 "
                   "check, on interfaces the sigma0 projection had left locally unstable; a "
                   "check on how far the projection moves a set is needed (docs/generator.md)")
def test_shuffled_deep_levels_fail_the_card(result):
    got, _ = result
    assert not all(got["Shuffled"].values()), got["Shuffled"]


def test_packaged_generator_passes_the_card(result):
    """Every check, the per-level spread included: it failed while guidance acted from the
    first step (deep levels at 0.42-0.45 of the reference) and while sub-float32 spreads of
    the bottom salinity were judged (3.8x of 5e-7 psu)."""
    got, summary = result
    assert all(got["Generator"].values()), (got["Generator"], summary["Generator"])

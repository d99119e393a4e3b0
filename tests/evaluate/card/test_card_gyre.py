"""The report card tells a good generator from bad ones on GYRE (packaged generator).

Two bad generators, each followed by the final projection (``Generator.constrain``) onto
C1 + T-S + stability, which alone meets every constraint check: the training mean plus
Gaussian noise of the training std, and real states whose levels below 500 m are shuffled
across states. The packaged generator passes every check, the per-level spread and the
projection check (how far the projection had to move each set, against how far it moves the
data) included."""

import numpy as np
import pytest

from nemoml.base.packaged import GENERATOR as PACKAGED
from nemoml.evaluate.card.physics import ReportCard
from nemoml.evaluate.card.report import REFERENCE_KEYS, checks, projection_moves
from nemoml.generate import load_generator
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
    sets, raw = {"Data": ref}, {}
    for name, make in (("Noise", lambda: gen.constrain(_noise(ref, grid.tmask, rng),
                                                       CONSTRAINTS)),
                       ("Shuffled", lambda: gen.constrain(_shuffled(ref, grid.gdept > 500, rng),
                                                          CONSTRAINTS)),
                       ("Generator", lambda: gen.sample(N, seed=123, constraints=CONSTRAINTS,
                                                        steps=50))):
        sets[name] = make()
        raw[name] = gen.last_raw  # the states before the final projection
    card = ReportCard(grid, gen.density, ref)
    summary = {n: card.evaluate(n, f, is_reference=n == "Data").summary()
               for n, f in sets.items()}
    under_fields = gen.constrain(ref, CONSTRAINTS)
    under = card.evaluate("under", under_fields).summary()
    others = [n for n in sets if n != "Data"]
    refs = {n: {k: under[k] for k in REFERENCE_KEYS} for n in others}
    moves = {n: projection_moves(raw[n], sets[n], grid.tmask) for n in others}
    data_moves = projection_moves(ref, under_fields, grid.tmask)
    got = checks(summary, "Data", None, refs, moves=moves,
                 moves_ref=dict.fromkeys(others, data_moves))
    return got, summary


def test_noise_fails_the_card(result):
    got, _ = result
    assert not got["Noise"]["level_spread"] and not got["Noise"]["diversity"]
    assert not got["Noise"]["projection"]  # moved 4.2x as far as the data in T


def test_shuffled_deep_levels_fail_the_card(result):
    """Real states with shuffled deep levels, projected, pass every other check (the
    N²-judged projection leaves no unstable interface, their level spreads are the data's):
    only the projection check sees that the projection moved them as far as the data
    (1.06x in T), where the guided generator's states move 0.16x."""
    got, _ = result
    assert not got["Shuffled"]["projection"], got["Shuffled"]
    assert not all(got["Shuffled"].values()), got["Shuffled"]


def test_packaged_generator_passes_the_card(result):
    """Every check, the per-level spread included: it failed while guidance acted from the
    first step (deep levels at 0.42-0.45 of the reference) and while sub-float32 spreads of
    the bottom salinity were judged (3.8x of 5e-7 psu)."""
    got, summary = result
    assert all(got["Generator"].values()), (got["Generator"], summary["Generator"])

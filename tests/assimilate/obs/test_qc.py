"""The background check (issue 26) against references computed here by other means: hand
values, the members' variance from the raw ensemble, direct indexing of the background."""

import numpy as np
import pytest

from nemoml.assimilate.baselines.enoi import EnOI, EnOIConfig
from nemoml.assimilate.obs import qc
from nemoml.assimilate.obs.binning import bin_located, bin_obs, locate_obs
from nemoml.assimilate.obs.obsfile import ObsSet

from ..baselines.test_enoi import members, small_grid


def test_background_check_by_hand():
    value = np.array([1.0, 1.0, 10.0, np.inf, 3.0])
    bkg = np.zeros(5)
    var = np.array([0.09, 0.09, 0.09, 0.09, 0.0])
    noise = np.array([0.4, 0.4, 0.4, 0.4, 0.1])  # spread 0.5, except the last: 0.1
    labels = np.array(["T/argo", "T/argo", "T/argo", "S/argo", "SSH/sst"], dtype=object)
    r = qc.background_check(value, bkg, var, noise, labels, k=2.0)
    # |d| / spread: 2 (kept: not beyond), 2, 20, inf, 30
    assert r.keep.tolist() == [True, True, False, False, False]
    assert r.rejected == {"T/argo": 1, "S/argo": 1, "SSH/sst": 1}
    assert r.largest == np.inf and r.fraction == pytest.approx(0.6)
    assert r.describe() == "QC (k 2): 3 of 5 rejected (T/argo 1, S/argo 1, SSH/sst 1)"
    assert qc.background_check(value, bkg, var, noise, labels, k=0.0).keep.all()
    with pytest.raises(ValueError, match=r"w: the background check rejected 3 of 5 .*60.0% > "
                                         r"rn_nemoml_qc_maxrej = 0.5"):
        qc.enforce(r, 0.5, "w")
    qc.enforce(r, 0.6, "w")  # 0.6 is not more than 0.6
    with pytest.raises(ValueError, match="rn_nemoml_qc_k = -1"):
        qc.check_settings(-1.0, 0.25)
    with pytest.raises(ValueError, match="rn_nemoml_qc_maxrej = 1.5"):
        qc.check_settings(12.0, 1.5)


def _obs(grid, n=40, seed=3):
    rng = np.random.default_rng(seed)
    water = np.argwhere(grid.tmask[2])
    pick = water[rng.integers(0, len(water), n)]
    var = rng.integers(0, 3, n).astype(np.int16)
    return ObsSet(time=100.0 + rng.random(n) * 3, lon=grid.lon[pick[:, 0], pick[:, 1]],
                  lat=grid.lat[pick[:, 0], pick[:, 1]],
                  depth=np.where(var == 0, 0.0, grid.gdept[rng.integers(0, 3, n)]).astype(
                      np.float32),
                  value=rng.standard_normal(n).astype(np.float32),
                  noise=np.full(n, 0.1, np.float32), variable=var,
                  platform=(var > 0).astype(np.int16), variables=("SSH", "T", "S"),
                  platforms=("sat", "argo"))


def test_enoi_spread_is_the_members_variance():
    grid = small_grid()
    ens = members(grid)
    enoi = EnOI(grid, ens, EnOIConfig(alpha=0.1))
    loc = locate_obs(_obs(grid), grid, 100.0, 3)
    got = enoi.background_variance(loc.names(), loc.level, loc.j, loc.i)
    ref = []
    for name, k, j, i in zip(loc.names(), loc.level, loc.j, loc.i, strict=True):
        m = ens[name][:, j, i] if name == "SSH" else ens[name][:, k, j, i]
        ref.append(np.var(m, ddof=1))  # not alpha-scaled: the ensemble's own spread
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_located_background_and_binning_match_bin_obs():
    grid = small_grid()
    obs = _obs(grid)
    rng = np.random.default_rng(5)
    bkg = {"T": rng.standard_normal((3, *grid.shape)), "S": rng.standard_normal((3, *grid.shape)),
           "SSH": rng.standard_normal((3, *grid.shape[1:]))}
    loc = locate_obs(obs, grid, 100.0, 3)
    at = loc.at(bkg)
    for n, (name, day, k, j, i) in enumerate(zip(loc.names(), loc.day, loc.level, loc.j, loc.i,
                                                 strict=True)):
        ref = bkg[name][day, j, i] if name == "SSH" else bkg[name][day, k, j, i]
        assert at[n] == ref
    a, b = bin_located(loc, grid.shape), bin_obs(obs, grid, 100.0, 3)
    for name in b.value:
        np.testing.assert_array_equal(a.value[name], b.value[name])
        np.testing.assert_array_equal(a.count[name], b.count[name])
    keep = np.arange(len(obs)) % 2 == 0
    c = bin_located(loc.select(keep), grid.shape)
    d = bin_obs(obs.select(keep), grid, 100.0, 3)
    for name in d.value:
        np.testing.assert_array_equal(c.value[name], d.value[name])


def test_packaged_4dvarnet_spread_is_its_training_background_error():
    from nemoml.assimilate.gyre.export import load_state_solver
    from nemoml.base.packaged import GYRE_SOLVER

    solver = load_state_solver(GYRE_SOLVER)
    std = solver.meta["background_error_std"]
    names = solver.layout.channel_names
    loc = type("L", (), {"names": lambda self: np.array(["T", "S", "SSH"], dtype=object),
                         "level": np.array([4, 20, 0])})()
    got = solver.background_variance(loc)
    ref = [std[names.index("T4")] ** 2, std[names.index("S20")] ** 2, std[names.index("SSH")] ** 2]
    np.testing.assert_allclose(got, ref)
    assert 0.1 < std[names.index("T0")] < 1.0  # degC: the spin-up drifts', not the climate's

"""Static stability judged as N² judges it (locally referenced density), not by sigma0.

A deep column with cold, fresh water under warmer, saltier water (AABW under NADW) is stable
by N² (gsw's, NEMO's ``bn2`` and the locally referenced density step) yet inverted in sigma0:
the projection must leave it alone and the report card must count it stable. A truly unstable
column must still be mixed by the projection and flagged by the card.
"""

import gsw
import numpy as np
import pytest
import torch

from nemoml.eos import EOS, torch_eos
from nemoml.eos.density import Density
from nemoml.evaluate.card.physics import ReportCard
from nemoml.generate.constraints import ConstraintSet, Physics, default_targets
from nemoml.generate.project import project
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout

# eight wet levels down to 3600 m and a land bottom level (NEMO's jpk)
E3T = np.array([20, 80, 200, 400, 600, 700, 800, 800, 800.0])
GDEPW = np.concatenate([[0.0], np.cumsum(E3T)[:-1]])
GDEPT = GDEPW + 0.5 * E3T
E3W = np.diff(np.concatenate([[0.0], GDEPT]))
# potential temperature (degC) and practical salinity: 0 degC / 34.62 at 3200 m under
# 3 degC / 34.95 at 2400 m, lighter in sigma0 by 0.045 kg m-3, denser by 0.20 at 2800 m
T_DEEP = np.array([20, 14, 10, 6, 4, 3.2, 3.0, 0.0, 0.0])
S_DEEP = np.array([35.5, 35.4, 35.3, 35.1, 35.0, 34.97, 34.95, 34.62, 0.0])
LAT = 30.0


def _grid(ny: int = 4, nx: int = 5) -> GridInfo:
    tmask = np.zeros((len(E3T), ny, nx), bool)
    tmask[:-1] = True
    return GridInfo(tmask=tmask, umask=tmask, vmask=tmask, gdept=GDEPT, gdepw=GDEPW, e3t=E3T,
                    e3w=E3W, area=np.full((ny, nx), 1e10), lat=np.full((ny, nx), LAT))


def _states(grid: GridInfo, n: int, unstable: bool = False) -> dict:
    """Every column the deep column, with small stable perturbations per state; ``unstable``:
    one column of the first state gets water at 2400 m that is light at every depth."""
    rng = np.random.default_rng(3)
    shape = (n,) + grid.shape
    temp = np.broadcast_to(T_DEEP[:, None, None], shape).copy()
    sal = np.broadcast_to(S_DEEP[:, None, None], shape).copy()
    temp[:, :3] += 0.1 * rng.standard_normal((n, 3) + grid.shape[1:])  # upper ocean only
    if unstable:
        temp[0, 6, 1, 2], sal[0, 6, 1, 2] = 3.0, 34.50  # fresher than the 0 degC water below
    return {"T": temp * grid.tmask, "S": sal * grid.tmask}


def _gsw_n2(temp: np.ndarray, sal: np.ndarray) -> np.ndarray:
    """gsw's N² (TEOS-10, float64) of one wet column of potential temperature / practical S."""
    p = gsw.p_from_z(-GDEPT[:-1], LAT)
    sa = gsw.SA_from_SP(sal[:-1], p, -40.0, LAT)
    ct = gsw.CT_from_pt(sa, temp[:-1])
    return gsw.Nsquared(sa, ct, p, lat=LAT)[0]


def test_the_deep_column_is_stable_by_n2_and_inverted_in_sigma0():
    density = Density("eos80")
    col_t, col_s = torch.as_tensor(T_DEEP[:-1]), torch.as_tensor(S_DEEP[:-1])
    ref = _gsw_n2(T_DEEP, S_DEEP)
    assert (ref > 0).all()  # independent reference: stable at every interface
    with torch.no_grad():
        sig = density.sigma0(col_t, col_s).numpy()
        local = density.local_step(col_t[:, None, None], col_s[:, None, None],
                                   GDEPW[1:-1]).numpy().ravel()
        n2 = density.n2(col_t[:, None, None], col_s[:, None, None], GDEPW[:-1],
                        E3W[:-1]).numpy().ravel()
        bn2 = torch_eos.bn2(torch.as_tensor(T_DEEP), torch.as_tensor(S_DEEP), GDEPT, GDEPW,
                            E3W, None, EOS("eos80")).numpy()[1:-1]
    assert np.diff(sig)[-1] < -0.04  # sigma0 calls the deepest interface unstable
    assert (local > 0).all() and (bn2 > 0).all()
    # N² from the local step against gsw's (EOS-80 against TEOS-10, mid-pressure): within
    # 3 % except where the column is nearly neutral (1650/2400 m: 10 %)
    np.testing.assert_allclose(n2, ref, rtol=0.11)
    np.testing.assert_allclose(n2[[0, 1, 2, 3, 4, 6]], ref[[0, 1, 2, 3, 4, 6]], rtol=0.03)


def _stability_set(grid: GridInfo, states: dict) -> tuple[ConstraintSet, Layout, Density]:
    layout = Layout(grid, ("T", "S"), multiple=1)
    layout.fit(states)
    density = Density("eos80")
    physics = Physics(layout, density)
    targets = default_targets(physics, layout.encode(states, dtype=np.float64))
    return ConstraintSet(physics, ["stability"], targets), layout, density


def test_the_projection_leaves_a_column_stable_by_n2_untouched():
    grid = _grid()
    states = _states(grid, 3)
    cset, layout, density = _stability_set(grid, states)
    x = layout.encode(states, dtype=np.float64)
    out, summary = project(x, cset, density)
    before = layout.decode(x)
    np.testing.assert_array_equal(out["T"], before["T"])
    np.testing.assert_array_equal(out["S"], before["S"])
    assert summary.max_dt == 0.0 and summary.unstable == 0.0


def test_the_projection_mixes_a_truly_unstable_column():
    grid = _grid()
    states = _states(grid, 3, unstable=True)
    cset, layout, density = _stability_set(grid, states)
    assert _gsw_n2(states["T"][0, :, 1, 2], states["S"][0, :, 1, 2])[5:].min() < -1e-7
    x = layout.encode(states, dtype=np.float64)
    out, summary = project(x, cset, density)
    before = layout.decode(x)
    changed = (out["T"] != before["T"]) | (out["S"] != before["S"])
    assert changed[0, :, 1, 2].any()
    changed[0, :, 1, 2] = False  # every other column is left bit-for-bit as it was
    assert not changed.any()
    with torch.no_grad():
        local = density.local_step(torch.as_tensor(out["T"]), torch.as_tensor(out["S"]),
                                   GDEPW[1:]).numpy()
    assert local[:, :-1].min() >= -1e-9 and summary.unstable <= 1e-9
    assert summary.outer >= 1
    # the independent reference: gsw's N² of the mixed column is no longer negative beyond
    # the EOS difference at a neutral interface
    assert _gsw_n2(out["T"][0, :, 1, 2], out["S"][0, :, 1, 2]).min() > -2e-9


def test_the_card_counts_stability_by_n2():
    grid = _grid()
    stable = _states(grid, 2)
    card = ReportCard(grid, "eos80", stable)
    got = card.evaluate("deep", stable).per_state
    assert (got["inversion_pct_1e-05"] == 0).all() and (got["n2_negative_pct"] == 0).all()
    bad = card.evaluate("bad", _states(grid, 2, unstable=True)).per_state
    both = grid.tmask[:-1] & grid.tmask[1:]
    vol = both * grid.e3w[1:, None, None] * grid.area[None]
    one = 100 * vol[5, 1, 2] / vol.sum()  # the one unstable interface, 1650 m over 2400 m
    assert bad["inversion_pct_1e-05"][0] == pytest.approx(one, rel=1e-12)
    assert bad["n2_negative_pct"][0] == pytest.approx(one, rel=1e-12)
    assert bad["inversion_pct_1e-05"][1] == 0

"""The steric SSH change of the final projection; gsw (TEOS-10) is the independent reference."""

import gsw
import numpy as np

from nemoml.eos.density import Density
from nemoml.generate.constraints import Physics, default_targets
from nemoml.generate.generator import Generator
from nemoml.generate.project import project
from nemoml.generate.schedule import Schedule
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout

from .helpers import GaussianDenoiser

# warm, salty deep water over cold, fresher bottom water, so the projection moves T and S
UPPER, LOWER = (3.0, 34.95), (0.0, 34.62)


def deep_grid(ny: int = 4, nx: int = 5) -> GridInfo:
    gdepw = np.array([0.0, 500.0, 1500.0, 2500.0, 3500.0, 4500.0])
    e3t = np.array([500.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0])
    gdept = gdepw + 0.5 * e3t
    tmask = np.zeros((6, ny, nx), bool)
    tmask[:5] = True
    return GridInfo(tmask=tmask, umask=tmask, vmask=tmask, gdept=gdept, gdepw=gdepw, e3t=e3t,
                    e3w=np.diff(np.concatenate([[0.0], gdept])), area=np.full((ny, nx), 1e10),
                    lat=np.full((ny, nx), -60.0))


def deep_states(grid: GridInfo, n: int, unstable_top: bool) -> dict:
    """A stable upper ocean, the thermobaric pair at the 2500-3500 m interface; with
    ``unstable_top``, one column's surface water is cold enough to be truly unstable."""
    nz, ny, nx = grid.shape
    temp = np.zeros((n, nz, ny, nx))
    sal = np.zeros((n, nz, ny, nx))
    for k, (t, s) in enumerate([(12.0, 35.2), (6.0, 35.05), (UPPER[0], UPPER[1]),
                                (LOWER[0], LOWER[1]), (-0.3, 34.64)]):
        temp[:, k], sal[:, k] = t, s
    rng = np.random.default_rng(0)
    temp[:, :2] += 0.1 * rng.standard_normal((n, 2, ny, nx))
    if unstable_top:
        temp[:, 0, 1, 2] = 2.0  # denser than the 6 degC water below it at any reference
    ssh = 0.05 * rng.standard_normal((n, ny, nx))
    m = grid.tmask
    return {"T": temp * m, "S": sal * m, "SSH": ssh * m[0]}


def _gsw_teos(temp, sal, p, lat=-60.0):
    sa = gsw.SA_from_SP(sal, p, 0.0, lat)
    return sa, gsw.CT_from_pt(sa, temp)


def _setup(n=3, unstable_top=False):
    grid = deep_grid()
    layout = Layout(grid, ("T", "S", "SSH"), multiple=2)
    data = deep_states(grid, 8, False)
    layout.fit(data)
    density = Density("eos80")
    sched = Schedule()
    targets = default_targets(Physics(layout, density), layout.encode(data, dtype=np.float64))
    gen = Generator(GaussianDenoiser(sched.alpha_bar), layout, sched, density, targets)
    states = deep_states(grid, n, unstable_top)
    return gen, grid, layout, density, states


def test_projection_remakes_ssh_from_the_steric_change():
    gen, grid, layout, density, states = _setup(unstable_top=True)
    x = layout.encode(states, dtype=np.float64)
    before = layout.decode(x)
    out, summary = project(x, gen.constraint_set(["c1", "stability"]), density)
    assert summary.max_dssh > 1e-4
    # TEOS-10 (gsw) steric height change, independent of the model's EOS code
    p = gsw.p_from_z(-grid.gdept[:5], -60.0)[None, :, None, None]

    def rho(f):
        sa, ct = _gsw_teos(f["T"][:, :5], f["S"][:, :5], p)
        return gsw.rho(sa, ct, p)

    want = -((rho(out) - rho(before)) * grid.e3t[None, :5, None, None]).sum(1) / 1026.0
    want -= want.mean((-1, -2), keepdims=True)  # uniform areas, all surface cells wet
    got = out["SSH"] - before["SSH"]
    np.testing.assert_allclose(got, want, rtol=0, atol=0.02 * np.abs(want).max())
    np.testing.assert_allclose(out["SSH"].mean((-1, -2)), before["SSH"].mean((-1, -2)),
                               rtol=0, atol=1e-14)

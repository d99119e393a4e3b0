"""The istate handler of the generator: thermal-wind velocities and ensembles of members."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nemoml.base.packaged import gyre
from nemoml.bridge.handlers.generator import HANDLER, member_path
from nemoml.bridge.settings import Settings
from nemoml.generate.balance import thermal_wind
from nemoml.grid import Grid
from nemoml.io import read_restart


@pytest.fixture(scope="module")
def generator():
    from nemoml.base.packaged import GENERATOR as PACKAGED
    from nemoml.generate import load_generator

    if not (PACKAGED / "generator.json").is_file():
        pytest.skip("packaged generator not built")
    return load_generator(PACKAGED)


def _session(uv: str, generator, surface: bool = True, extra: str = ""):
    """The istate handler's view of a one-rank host on the GYRE mesh."""
    grid = Grid.from_mesh_mask(gyre("mesh_mask.nc"))
    shape = grid.shape
    settings = Settings.from_text(f"ln_nemoml_istate = .true.\ncn_nemoml_generator = 'x'\n"
                                  f"cn_nemoml_uv = '{uv}'\nnn_nemoml_steps = 3\n"
                                  # unconstrained: the constraints are tested elsewhere and
                                  # cost a minute here
                                  "ln_nemoml_c1 = .false.\nln_nemoml_c2 = .false.\n"
                                  "ln_nemoml_ts = .false.\nln_nemoml_stab = .false.\n" + extra)
    glob = {"e1t": grid.e1t, "e2t": grid.e2t, "gphit": grid.gphit} if surface else {}
    return SimpleNamespace(
        settings=settings, cache={"generator": generator}, grid={"jpk": shape[0]},
        exchange=SimpleNamespace(shape2d=shape[1:]),
        global_masks={"tmask": grid.tmask, "umask": grid.umask, "vmask": grid.vmask},
        depths={"gdept_1d": grid.gdept_1d, "e3t_1d": grid.e3t_1d, "e3w_1d": grid.e3w_1d},
        global_surface=glob), grid


def _io(grid):
    outputs = {n: grid.shape for n in ("tn", "sn", "un", "vn")} | {"sshn": grid.shape[1:]}
    inputs = {"tn": np.zeros(grid.shape), "sshn": np.zeros(grid.shape[1:])}
    return inputs, outputs


def test_istate_handler_thermal_wind(generator):
    session, grid = _session("thermal_wind", generator)
    inputs, outputs = _io(grid)
    out = HANDLER.run(session, "", inputs, outputs)
    u, v = thermal_wind(out["tn"], out["sn"], out["sshn"], grid, "eos80")
    # the generator handler returns its fields in its own dtype (float32)
    np.testing.assert_array_equal(out["un"], u.astype(out["un"].dtype))
    np.testing.assert_array_equal(out["vn"], v.astype(out["vn"].dtype))
    assert np.isfinite(out["un"]).all() and np.abs(out["un"]).max() > 1e-3
    zero = HANDLER.run(_session("zero", generator)[0], "", inputs, outputs)
    assert not zero["un"].any() and not zero["vn"].any()
    bare, _ = _session("thermal_wind", generator, surface=False)
    with pytest.raises(ValueError, match="thermal_wind' needs the host to pass e1t, e2t"):
        HANDLER.prepare(bare, "")


def test_members_in_one_call_and_one_member_per_run(tmp_path, generator):
    """nn_nemoml_members = 3 writes restarts _m000.._m002; a run with nn_nemoml_member = 2
    alone starts from exactly member 2's state; the members differ."""
    rst = tmp_path / "GYRE_generated_restart.nc"
    session, grid = _session("thermal_wind", generator,
                             extra=f"nn_nemoml_members = 3\ncn_nemoml_rstout = '{rst}'")
    inputs, outputs = _io(grid)
    out = HANDLER.run(session, "", inputs, outputs)
    files = sorted(tmp_path.glob("*_m*.nc"))
    assert [f.name for f in files] == [f"GYRE_generated_restart_m00{m}.nc" for m in range(3)]
    states = [read_restart(f, grid) for f in files]
    np.testing.assert_array_equal(out["tn"], states[0].T)  # the run itself takes member 0
    assert np.abs(states[1].T - states[2].T).max() > 0.1
    alone, _ = _session("thermal_wind", generator,
                        extra=f"nn_nemoml_member = 2\ncn_nemoml_rstout = '{tmp_path / 'm.nc'}'")
    out2 = HANDLER.run(alone, "", inputs, outputs)
    np.testing.assert_array_equal(out2["tn"], states[2].T)
    np.testing.assert_array_equal(out2["un"], states[2].U)
    assert (tmp_path / "m_m002.nc").is_file()


def test_member_settings_and_names():
    base = "ln_nemoml_istate = .true.\ncn_nemoml_generator = 'x'\n"
    with pytest.raises(ValueError, match="nn_nemoml_members = 4 needs cn_nemoml_rstout"):
        Settings.from_text(base + "nn_nemoml_members = 4")
    with pytest.raises(ValueError, match="nn_nemoml_member = 4 is not one of the 4 members"):
        Settings.from_text(base + "nn_nemoml_members = 4\nnn_nemoml_member = 4\n"
                           "cn_nemoml_rstout = 'r.nc'")
    with pytest.raises(ValueError, match="nn_nemoml_member must be -1"):
        Settings.from_text(base + "nn_nemoml_member = -2")
    assert member_path("run/GYRE_restart.nc", 7) == "run/GYRE_restart_m007.nc"
    assert member_path("run/GYRE_restart.nc", -1) == "run/GYRE_restart.nc"

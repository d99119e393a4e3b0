"""Restart files: read NEMO 5.0's own GYRE restart, write restarts NEMO can start from."""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest
import xarray as xr

from nemoml.grid import Grid, NemoFileError
from nemoml.io import State, read_restart, restart_scheme, write_restart

RESTART_N = ("tn", "sn", "un", "vn", "sshn")


def _raw(path, name):
    with netCDF4.Dataset(path) as ds:
        return np.asarray(ds[name][0] if ds[name].ndim > 0 else ds[name][...], dtype=np.float64)


def _perturbed(state: State, grid: Grid) -> State:
    rng = np.random.default_rng(4)
    return State(state.T + 0.5 * rng.standard_normal(state.shape),
                 state.S + 0.01 * rng.standard_normal(state.shape),
                 state.U * 1.3, state.V - 0.01, state.SSH + 0.05, time=state.time).masked(grid)


def test_read_gyre_restart_matches_file_and_states(shared, grid, restart_path):
    path = shared / "gyre" / "example_restart.nc"
    s = read_restart(path, grid)
    assert restart_scheme(path) == "rk3"
    for field, name in zip(("T", "S", "U", "V", "SSH"), RESTART_N, strict=True):
        np.testing.assert_array_equal(getattr(s, field), _raw(path, name))
        assert getattr(s, field).dtype == np.float64
    assert s.time == 46440.0
    # the embedded copy holds the same values
    assert read_restart(restart_path, grid).allclose(s)
    # gyre_states.nc's last state is this restart, stored as float32 (README)
    with netCDF4.Dataset(shared / "gyre" / "gyre_states.nc") as ds:
        assert float(ds["time"][-1]) == s.time
        np.testing.assert_array_equal(ds["thetao"][-1], s.T.astype(np.float32))
        np.testing.assert_array_equal(ds["vo"][-1], s.V.astype(np.float32))
        np.testing.assert_array_equal(ds["zos"][-1], s.SSH.astype(np.float32))


def test_barotropic_velocity_reproduces_nemo_uu_n(grid, restart_path, state):
    ub, vb = state.barotropic(grid)
    np.testing.assert_allclose(ub, _raw(restart_path, "uu_n"), rtol=0, atol=1e-15)
    np.testing.assert_allclose(vb, _raw(restart_path, "vv_n"), rtol=0, atol=1e-15)
    # independent loop form of NEMO's sum_k e3u u umask / hu
    u = np.zeros(grid.shape[1:])
    h = np.zeros(grid.shape[1:])
    for k in range(grid.nz):
        u += grid.e3t_1d[k] * state.U[k] * grid.umask[k]
        h += grid.e3t_1d[k] * grid.umask[k]
    np.testing.assert_allclose(ub[h > 0], u[h > 0] / h[h > 0], rtol=1e-13)


def test_template_roundtrip_rk3(tmp_path, grid, restart_path, state):
    new = _perturbed(state, grid)
    out = write_restart(tmp_path / "GYRE_restart.nc", new, grid, template=restart_path)
    back = read_restart(out, grid)
    assert back.allclose(new)
    assert back.time == 46440.0
    with netCDF4.Dataset(out) as ds, netCDF4.Dataset(restart_path) as tpl:
        # the rest of the template is kept bit for bit
        for name in ("en", "avt_k", "dissl", "fraqsr_1lev", "kt", "ndastp", "adatrj", "rdt"):
            np.testing.assert_array_equal(ds[name][...], tpl[name][...])
        assert ds["tn"].dimensions == tpl["tn"].dimensions
        # split-explicit filter dropped: NEMO 5.0 cold-starts the barotropic mode
        assert "sshbb_e" not in ds.variables and "ub_e" not in ds.variables
        # recomputed for consistency with the new state
        np.testing.assert_array_equal(ds["ssha"][0], new.SSH)
        ub, _ = new.barotropic(grid)
        np.testing.assert_array_equal(ds["uu_n"][0], ub)
        assert not np.array_equal(ds["uu_n"][0], tpl["uu_n"][0])
    assert not list(tmp_path.glob(".*.tmp"))


def test_minimal_restarts_rk3_and_mlf(tmp_path, grid, state):
    rk3 = write_restart(tmp_path / "rk3.nc", state, grid, rdt=14400.0,
                        calendar={"kt": 10.0, "ndastp": 10101.0, "adatrj": 1.5})
    mlf = write_restart(tmp_path / "mlf.nc", state, grid, scheme="mlf")
    assert restart_scheme(rk3) == "rk3" and restart_scheme(mlf) == "mlf"
    with netCDF4.Dataset(rk3) as ds:
        assert ds.data_model == "NETCDF3_64BIT_OFFSET"  # as NEMO writes restarts
        assert {"tn", "sn", "un", "vn", "sshn", "uu_n", "vv_n", "rdt", "kt"} <= set(ds.variables)
        assert ds["tn"].dimensions == ("time_counter", "nav_lev", "y", "x")
        assert ds.dimensions["time_counter"].isunlimited()
        assert list(ds.DOMAIN_size_global) == [32, 22] and ds.DOMAIN_number_total == 1
    with netCDF4.Dataset(mlf) as ds:
        for b, n in zip(("tb", "sb", "ub", "vb", "sshb"), RESTART_N, strict=True):
            np.testing.assert_array_equal(ds[b][...], ds[n][...])
        assert "uu_n" not in ds.variables and "rhop" not in ds.variables
    assert read_restart(rk3, grid).time == 1.5
    assert read_restart(mlf, grid, level="b").allclose(read_restart(mlf, grid))
    with pytest.raises(NemoFileError, match="no before-fields"):
        read_restart(rk3, grid, level="b")
    ds = xr.open_dataset(rk3)
    assert ds["tn"].attrs["units"] == "degC" and ds.sizes["nav_lev"] == 31
    ds.close()


def test_rhop_with_model_eos(tmp_path, grid, state):
    import gsw

    out = write_restart(tmp_path / "mlf.nc", state, grid, scheme="mlf", eos="eos80")
    rhop = _raw(out, "rhop")
    assert (rhop[~grid.tmask] == 0).all()
    # independent reference: TEOS-10 sigma0 of the same water (EOS-80 PT/SP -> SA/CT)
    lat, lon = grid.gphit[None].repeat(grid.nz, 0), grid.glamt[None].repeat(grid.nz, 0)
    p = grid.depth_t
    sa = gsw.SA_from_SP(state.S, p, lon, lat)
    ct = gsw.CT_from_pt(sa, state.T)
    ref = gsw.sigma0(sa, ct) + 1000.0
    np.testing.assert_allclose(rhop[grid.tmask], ref[grid.tmask], atol=0.02)


def test_template_with_rhop_requires_eos(tmp_path, grid, state):
    tpl = write_restart(tmp_path / "tpl42.nc", state, grid, scheme="mlf")
    with netCDF4.Dataset(tpl, "a") as ds:  # a NEMO 4.2 restart also stores rhop
        ds.createVariable("rhop", "f8", ("time_counter", "nav_lev", "y", "x"))[0] = 1026.0
    with pytest.raises(ValueError, match="rhop.*eos="):
        write_restart(tmp_path / "out.nc", state, grid, template=tpl)
    assert not (tmp_path / "out.nc").exists()
    with pytest.raises(NemoFileError, match="MLF restart, 'rk3' asked"):
        write_restart(tmp_path / "out.nc", state, grid, template=tpl, scheme="rk3")
    import nemoml.eos as eos

    new = _perturbed(state, grid)
    out = write_restart(tmp_path / "out.nc", new, grid, template=tpl, eos="eos80")
    assert read_restart(out, grid, level="b").allclose(new)
    assert read_restart(out, grid).allclose(new)
    rhop = _raw(out, "rhop")
    expect = eos.rhop(new.T, new.S, grid.gdept_1d[:, None, None], eos.EOS("eos80")) * grid.tmask
    np.testing.assert_allclose(rhop, expect, rtol=1e-13)
    assert rhop[grid.tmask].min() > 1020 and (rhop[~grid.tmask] == 0).all()


def test_restart_not_matching_mesh(shared, grid, restart_path, state):
    dino = Grid.from_mesh_mask(shared / "dino" / "mesh_mask_1deg.nc")
    with pytest.raises(NemoFileError, match=r"example_restart\.nc: variable 'tn': shape"):
        read_restart(restart_path, dino)
    # same sizes, another coastline: one ocean column turned to land, one land column to ocean
    tmask = grid.tmask.copy()
    tmask[:, 5, 5] = False
    moved = Grid.from_arrays(tmask, grid.gdept_1d, grid.e3t_1d, source="moved-coast")
    with pytest.raises(NemoFileError, match="'tn': nonzero on .* land points of the mesh moved"):
        read_restart(restart_path, moved)
    tmask = grid.tmask.copy()
    tmask[:5, 0, 5] = True
    wider = Grid.from_arrays(tmask, grid.gdept_1d, grid.e3t_1d, source="wider")
    with pytest.raises(NemoFileError, match="'sn': salinity <= 0 on 5 ocean points"):
        read_restart(restart_path, wider)
    with pytest.raises(NemoFileError, match="does not match the grid"):
        write_restart(shared / "never.nc", state, dino)


def test_bad_restart_files(tmp_path, grid, state):
    full = write_restart(tmp_path / "full.nc", state, grid)
    with netCDF4.Dataset(full) as src, netCDF4.Dataset(tmp_path / "nosn.nc", "w") as dst:
        for n, dim in src.dimensions.items():
            dst.createDimension(n, None if dim.isunlimited() else len(dim))
        for n, v in src.variables.items():
            if n != "sn":
                dst.createVariable(n, v.dtype, v.dimensions)[...] = v[...]
    with pytest.raises(NemoFileError, match=r"nosn\.nc: variable 'sn': missing"):
        read_restart(tmp_path / "nosn.nc", grid)
    cut = tmp_path / "cut.nc"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.6)])
    with pytest.raises(NemoFileError, match=r"cut\.nc"):
        read_restart(cut, grid)
    with pytest.raises(NemoFileError, match="no such file"):
        read_restart(tmp_path / "absent.nc")


def test_failed_write_leaves_no_file(tmp_path, grid, restart_path, state):
    bad = State(state.T.copy(), state.S, state.U, state.V, state.SSH)
    bad.T[3, 4, 5] = np.nan
    with pytest.raises(NemoFileError, match="'T'.*1 NaN"):
        write_restart(tmp_path / "r.nc", bad, grid)
    assert list(tmp_path.iterdir()) == []
    # an existing file survives a failed overwrite, and no temporary is left
    good = write_restart(tmp_path / "r.nc", state, grid)
    before = good.read_bytes()
    with pytest.raises(ValueError):
        write_restart(good, state, grid, scheme="leapfrog")
    with pytest.raises(NemoFileError, match="'SSH': shape"):
        write_restart(good, State(state.T, state.S, state.U, state.V, state.SSH[:-1]), grid)
    assert good.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.nc"]
    with pytest.raises(NemoFileError, match="output directory does not exist"):
        write_restart(tmp_path / "no" / "r.nc", state, grid, template=restart_path)


def test_atomic_path_removes_partial_file(tmp_path):
    from nemoml.base.files import atomic_path

    target = tmp_path / "out.nc"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_path(target) as tmp:
            with netCDF4.Dataset(tmp, "w") as ds:
                ds.createDimension("x", 3)
                ds.createVariable("v", "f8", ("x",))[:] = 1.0
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.nc"]


def test_state_rejects_non_real_arrays(state):
    with pytest.raises(TypeError, match="State.U: expected a real array, got dtype complex128"):
        State(state.T, state.S, state.U + 1j, state.V, state.SSH)
    with pytest.raises(NemoFileError, match="'SSH': shape .* does not match T"):
        State(state.T, state.S, state.U, state.V, state.SSH.T).check()

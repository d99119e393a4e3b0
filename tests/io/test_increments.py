"""``assim_background_increments.nc`` exactly as NEMO's asm_inc_init reads it."""

from __future__ import annotations

import cftime
import netCDF4
import numpy as np
import pytest
import xarray as xr

from nemoml.grid import NemoFileError
from nemoml.io import (
    State,
    check_increments_file,
    nemo_date,
    read_increments,
    split_ranks,
    write_increments,
)

# what asminc.F90 reads with iom_get: name -> (grid point, spatial rank)
ASM_FIELDS = {"bckint": ("T", 3), "bckins": ("T", 3), "bckinu": ("U", 3), "bckinv": ("V", 3),
              "bckineta": ("T", 2)}


def _increments(grid) -> State:
    # the verified route of the reference sheet: +0.5 degC / -0.1 in a box, plus u, v, ssh
    T = np.zeros(grid.shape)
    S = np.zeros(grid.shape)
    T[:5, 8:14, 10:20] = 0.5
    S[:5, 8:14, 10:20] = -0.1
    rng = np.random.default_rng(0)
    U = 0.01 * rng.standard_normal(grid.shape)
    V = 0.01 * rng.standard_normal(grid.shape)
    return State(T, S, U, V, 0.02 * np.ones(grid.shape[1:]))


def test_increment_file_has_everything_asm_reads(tmp_path, grid):
    inc = _increments(grid)
    dateb = cftime.Datetime360Day(1, 1, 1, 0, 0, 0)
    path = write_increments(tmp_path / "assim_background_increments.nc", inc, grid, dateb,
                            10101.12)
    with netCDF4.Dataset(path) as ds:
        # dimensions: global grid without halos plus one unlimited record axis
        assert {n: len(d) for n, d in ds.dimensions.items()} == {"x": 32, "y": 22, "z": 31,
                                                                  "t": 1}
        assert ds.dimensions["t"].isunlimited()
        # scalars read by iom_get(inum, 'time'|'z_inc_dateb'|'z_inc_datef', zval): 0-d reals
        for name, value in (("time", 10101.0), ("z_inc_dateb", 10101.0),
                            ("z_inc_datef", 10101.12)):
            var = ds[name]
            assert var.dimensions == () and var.dtype == np.float64
            assert float(var[...]) == pytest.approx(value, abs=1e-9)
            assert var.units == "YYYYMMDD.HHMMSS"
        # record 1 of each field, Fortran (x, y, z, t) = C (t, z, y, x), real, masked
        for name, (point, rank) in ASM_FIELDS.items():
            var = ds[name]
            assert var.dimensions == (("t", "z", "y", "x") if rank == 3 else ("t", "y", "x"))
            assert var.dtype == np.float64 and var.units
            data = np.asarray(var[0])
            mask = grid.mask(point) if rank == 3 else grid.tmask[0]
            assert (data[~mask] == 0).all()
            assert np.isfinite(data).all() and (np.abs(data) < 1e10).all()
        np.testing.assert_array_equal(ds["bckint"][0], inc.T * grid.tmask)
        np.testing.assert_array_equal(ds["bckinu"][0], inc.U * grid.umask)
        np.testing.assert_array_equal(ds["bckineta"][0], inc.SSH * grid.tmask[0])
        assert float(ds["bckint"][0, 0, 10, 15]) == 0.5
        assert list(ds.DOMAIN_size_global) == [32, 22]
    check_increments_file(path, grid)
    back = read_increments(path, grid)
    assert back.state.allclose(inc.masked(grid))
    assert (back.date_bkg, back.time) == (10101.0, 10101.0)
    ds = xr.open_dataset(path)
    assert ds["bckint"].attrs["units"] == "degC" and ds["bckineta"].dims == ("t", "y", "x")
    ds.close()
    # NEMO also accepts per-rank increment files (jpdom_auto)
    split_ranks(path, tmp_path / "assim_background_increments", 2, 2)
    (tmp_path / "assim_background_increments.nc").unlink()
    again = read_increments(tmp_path / "assim_background_increments.nc", grid)
    assert again.state.allclose(back.state)


def test_nemo_date():
    assert nemo_date(cftime.Datetime360Day(129, 12, 30, 18, 30, 15)) == pytest.approx(
        1291230.183015, abs=1e-7)
    assert nemo_date(20240229.235959) == 20240229.235959
    for bad in (20241301.0, 20240100.0, 20240101.250000, 20240101.006100):
        with pytest.raises(ValueError, match="not a NEMO date"):
            nemo_date(bad)


def test_bad_increments_rejected_without_partial_file(tmp_path, grid):
    inc = _increments(grid)
    out = tmp_path / "inc.nc"
    inc.S[2, 10, 10] = np.nan
    with pytest.raises(NemoFileError, match="'S'.*NaN"):
        write_increments(out, inc, grid, 10101.0, 10102.0)
    inc = _increments(grid)
    inc.T[0, 10, 10] = 2e10
    with pytest.raises(NemoFileError, match="'bckint': increment above 1e\\+10"):
        write_increments(out, inc, grid, 10101.0, 10102.0)
    with pytest.raises(ValueError, match="precedes"):
        write_increments(out, _increments(grid), grid, 10102.0, 10101.0)
    with pytest.raises(ValueError, match="not a NEMO date"):
        write_increments(out, _increments(grid), grid, 10132.0, 10201.0)
    assert list(tmp_path.iterdir()) == []


def _rewrite(src, dst, drop=(), change=None):
    with netCDF4.Dataset(src) as s, netCDF4.Dataset(dst, "w") as d:
        for n, dim in s.dimensions.items():
            d.createDimension(n, None if dim.isunlimited() else len(dim))
        for n, v in s.variables.items():
            if n in drop:
                continue
            dims, data = (change or {}).get(n, (v.dimensions, v[...]))
            d.createVariable(n, "f8", dims)[...] = data


def test_checker_names_file_and_variable(tmp_path, grid, shared):
    from nemoml.grid import Grid

    good = write_increments(tmp_path / "good.nc", _increments(grid), grid, 10101.0, 10102.0)
    _rewrite(good, tmp_path / "noeta.nc", drop=("bckineta",))
    with pytest.raises(NemoFileError, match=r"noeta\.nc: variable 'bckineta': missing"):
        check_increments_file(tmp_path / "noeta.nc")
    with netCDF4.Dataset(good) as ds:
        no_t = np.asarray(ds["bckinv"][0])
        nan_t = np.asarray(ds["bckint"][...])
    nan_t[0, 1, 5, 5] = np.nan
    _rewrite(good, tmp_path / "nort.nc", change={"bckinv": (("z", "y", "x"), no_t)})
    with pytest.raises(NemoFileError, match="'bckinv'.*unlimited record"):
        check_increments_file(tmp_path / "nort.nc")
    _rewrite(good, tmp_path / "nan.nc", change={"bckint": (("t", "z", "y", "x"), nan_t)})
    with pytest.raises(NemoFileError, match="'bckint': holds NaN"):
        read_increments(tmp_path / "nan.nc")
    _rewrite(good, tmp_path / "vec.nc", change={"time": (("y",), np.zeros(22))})
    with pytest.raises(NemoFileError, match="'time': must be a scalar"):
        check_increments_file(tmp_path / "vec.nc")
    _rewrite(good, tmp_path / "date.nc", change={"z_inc_datef": ((), 10199.0)})
    with pytest.raises(NemoFileError, match="'z_inc_datef'.*not a NEMO date"):
        check_increments_file(tmp_path / "date.nc")
    dino = Grid.from_mesh_mask(shared / "dino" / "mesh_mask_1deg.nc")
    with pytest.raises(NemoFileError, match="'bckint': shape .* is not the global grid"):
        check_increments_file(good, dino)

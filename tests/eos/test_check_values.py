"""NEMO's published check values, polyTEOS values, S-EOS closed form and NEMO bit parity."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nemoml.eos as eos
from nemoml.eos import EOS, coefficients

CHECK = {c["eos"] + c["quantity"][:5]: c for c in coefficients()["check_values"]}


@pytest.mark.parametrize(
    ("kind", "value"), [("teos10", 1028.21993233072), ("eos80", 1028.35011066567)]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nemo_check_values(kind, value, dtype):
    T, S, z = (np.array([v], dtype) for v in (3.0, 35.5, 3000.0))
    rd = eos.rhd(T, S, z, EOS(kind))
    assert rd.dtype == dtype
    tol = 1e-12 * value if dtype == np.float64 else 1e-3
    assert abs((float(rd[0]) + 1.0) * 1026.0 - value) < tol


def test_rhop_check_value():
    want = CHECK["TEOS10prhop"]["value"]
    assert abs(eos.rhop(3.0, 35.5, 3000.0, EOS("teos10"))[()] - want) < 1e-12 * want
    assert abs(eos.sigma0(3.0, 35.5, 0.0, EOS("teos10"))[()] - (want - 1000)) < 1e-9


def test_polyteos_check_values():
    zn, r0_want, rho_want = CHECK["TEOS10polyT"]["value"]
    rd = eos.rhd(10.0, 30.0, 1000.0, EOS("teos10"))[()]
    assert abs((rd + 1) * 1026 - zn) < 1e-5
    assert abs(eos.r0(1000.0) - r0_want) < 1e-8 and abs(eos.r0(3000.0) - 13.486) < 1e-3
    assert abs((rd + 1) * 1026 + eos.r0(1000.0) - rho_want) < 1e-4
    a, b = eos.rab(10.0, 30.0, 1000.0, EOS("teos10", rho0=1.0))
    assert abs(a[()] - 0.179646281) < 1e-9 and abs(b[()] - 0.765555368) < 1e-9


def test_seos_closed_form_and_namelist_defaults():
    e = EOS("seos")
    assert e.lambda2 == 7.4914e-4  # namelist_ref overrides the Fortran 5.4914e-4
    T, S, z = (
        np.array([4.0, 12.0, 25.0]),
        np.array([34.0, 35.5, 36.2]),
        np.array([2000.0, 300.0, 5.0]),
    )
    zt, zs = T - 10, S - 35
    rd_want = (
        -e.a0 * (1 + 0.5 * e.lambda1 * zt + e.mu1 * z) * zt
        + e.b0 * (1 - 0.5 * e.lambda2 * zs - e.mu2 * z) * zs
        - e.nu * zt * zs
    ) / 1026
    rp_want = 1026 + (
        -e.a0 * (1 + 0.5 * e.lambda1 * zt) * zt
        + e.b0 * (1 - 0.5 * e.lambda2 * zs) * zs
        - e.nu * zt * zs
    )
    rd, rp = eos.insitu(T, S, z, e)
    np.testing.assert_allclose(rd, rd_want, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rp, rp_want, rtol=1e-15)
    a, b = eos.rab(T, S, z, e)
    np.testing.assert_allclose(
        a, (e.a0 * (1 + e.lambda1 * zt + e.mu1 * z) + e.nu * zs) / 1026, rtol=1e-14
    )
    np.testing.assert_allclose(
        b, (e.b0 * (1 - e.lambda2 * zs - e.mu2 * z) - e.nu * zt) / 1026, rtol=1e-14
    )
    # DINO's linear S-EOS differs from the reference one
    assert (
        eos.rhop(
            20.0, 35.0, 0.0, EOS("seos", a0=0.165, lambda1=0.06, lambda2=0.0, mu2=0.0, nu=0.0)
        )[()]
        != rp_want[0]
    )


# NEMO 4.2/5.0 eosbn2.F90 eos_insitu, transcribed from the Fortran text (a + b + c is left to
# right in Fortran as in Python), evaluated in IEEE double without FMA: the C kernels must
# reproduce it bit for bit.
_NEMO = """
zn3 = EOS013*zt + EOS103*zs+EOS003
zn2 = (EOS022*zt + EOS112*zs+EOS012)*zt + (EOS202*zs+EOS102)*zs+EOS002
zn1 = (((EOS041*zt + EOS131*zs+EOS031)*zt + (EOS221*zs+EOS121)*zs+EOS021)*zt \
 + ((EOS311*zs+EOS211)*zs+EOS111)*zs+EOS011)*zt \
 + (((EOS401*zs+EOS301)*zs+EOS201)*zs+EOS101)*zs+EOS001
zn0 = (((((EOS060*zt + EOS150*zs+EOS050)*zt + (EOS240*zs+EOS140)*zs+EOS040)*zt \
 + ((EOS330*zs+EOS230)*zs+EOS130)*zs+EOS030)*zt \
 + (((EOS420*zs+EOS320)*zs+EOS220)*zs+EOS120)*zs+EOS020)*zt \
 + ((((EOS510*zs+EOS410)*zs+EOS310)*zs+EOS210)*zs+EOS110)*zs+EOS010)*zt \
 + (((((EOS600*zs+EOS500)*zs+EOS400)*zs+EOS300)*zs+EOS200)*zs+EOS100)*zs+EOS000
zn = ( ( zn3 * zh + zn2 ) * zh + zn1 ) * zh + zn0
prd = ( zn * r1_rho0 - 1.0 ) * ztm
"""


@pytest.mark.parametrize("kind", ["teos10", "eos80"])
def test_bit_parity_with_nemo_fortran_order(kind, ocean):
    e = EOS(kind)
    S, T, z = (a[:300] for a in ocean)
    rd, rhop = eos.insitu(T, S, z, e)
    norm = e.table["normalisation"]
    code = compile(_NEMO, "eosbn2", "exec")
    for i in range(len(T)):
        env = dict(
            e.table["EOS"],
            r1_rho0=1.0 / 1026.0,
            ztm=1.0,
            zh=z[i] * norm["r1_Z0"],
            zt=T[i] * norm["r1_T0"],
            zs=math.sqrt(abs(S[i] + norm["rdeltaS"]) * norm["r1_S0"]),
        )
        exec(code, env)
        assert rd[i] == env["prd"], i
        assert rhop[i] == env["zn0"], i


def test_mask_and_per_level_depth_layouts(gyre):
    T, S, tmask, zt = gyre
    e = EOS("eos80")
    full = np.broadcast_to(zt["gdept_1d"][:, None, None], T.shape[1:])
    rd1, rp1 = eos.insitu(T, S, zt["gdept_1d"], e, tmask)
    rd2, rp2 = eos.insitu(T, S, np.ascontiguousarray(np.broadcast_to(full, T.shape)), e, tmask)
    assert np.array_equal(rd1, rd2) and np.array_equal(rp1, rp2)
    assert np.all(rd1[:, tmask == 0] == 0) and np.all(rp1[:, -1] == 0)
    wet = rp1[:, tmask == 1]
    assert 1020 < wet.min() < wet.max() < 1030

"""The generator's density adapter against NEMO check values, gsw and the density room's C path."""

import gsw
import numpy as np
import pytest
import torch

from nemoml.eos.density import Density


def _t(v):
    return torch.as_tensor(np.asarray(v, np.float64))


def test_nemo_check_values():
    # eos_coefficients.json check values (NEMO's rho without r0, z = 3000 m, T = 3, S = 35.5)
    assert Density("eos80").rho(_t(3.0), _t(35.5), 3000.0).item() == \
        pytest.approx(1028.35011066567, abs=1e-9)
    assert Density("teos10").rho(_t(3.0), _t(35.5), 3000.0).item() == \
        pytest.approx(1028.21993233072, abs=1e-9)


def test_teos10_sigma0_against_gsw():
    rng = np.random.default_rng(0)
    ct = rng.uniform(-1.5, 30, 2000)
    sa = rng.uniform(33, 38, 2000)
    got = Density("teos10").sigma0(_t(ct), _t(sa)).numpy()
    assert np.abs(got - gsw.sigma0(sa, ct)).max() < 4e-4


@pytest.mark.parametrize("name", ["eos80", "teos10", "seos"])
def test_same_as_the_c_library(name):
    import nemoml.eos as eos_mod

    rng = np.random.default_rng(1)
    temp, sal = rng.uniform(0, 28, 500), rng.uniform(33, 37.5, 500)
    dep = rng.uniform(0, 5000, 500)
    d, eos = Density(name), eos_mod.EOS(name)
    np.testing.assert_allclose(d.sigma0(_t(temp), _t(sal)).numpy(),
                               eos_mod.sigma0(temp, sal, np.zeros_like(dep), eos), atol=1e-9,
                               rtol=0)
    np.testing.assert_allclose(d.rho(_t(temp), _t(sal), _t(dep)).numpy(),
                               (eos_mod.rhd(temp, sal, dep, eos) + 1.0) * eos.rho0, atol=1e-9,
                               rtol=0)


def test_seos_parameters_from_the_namelist():
    d = Density("seos", {"rn_lambda2": 0.0, "rn_nu": 0.0})
    assert d._eos.lambda2 == 0.0 and d._eos.nu == 0.0
    assert not torch.allclose(d.sigma0(_t([5.0]), _t([34.0])),
                              Density("seos").sigma0(_t([5.0]), _t([34.0])))


def test_n2_matches_nemo_bn2_on_a_stable_column():
    import nemoml.eos as eos_mod  # a broken EOS build fails here, never skips
    nz = 30
    gdepw = np.concatenate([[0.0], np.cumsum(np.linspace(10, 300, nz - 1))])
    gdept = np.concatenate([0.5 * gdepw[1:2], 0.5 * (gdepw[1:] + np.append(gdepw[2:], 4400))])
    e3w = np.diff(np.concatenate([[0.0], gdept]))
    temp = 2 + 18 * np.exp(-gdept / 500)
    sal = 35.2 - 0.2 * np.exp(-gdept / 1000)
    col = lambda a: a[:, None, None]  # noqa: E731
    ours = Density("eos80").n2(_t(col(temp)), _t(col(sal)), gdepw, e3w).numpy()[:, 0, 0]
    ref = eos_mod.bn2(col(temp), col(sal), gdept, gdepw, e3w, None, eos_mod.EOS("eos80"))
    ref = np.asarray(ref)[1:-1, 0, 0]  # interior w-levels 1..nz-2
    assert (ours > 0).all()
    # both are centred differences of the same EOS at the interface: agree to discretisation
    np.testing.assert_allclose(ours[:-1], ref, rtol=0.03)


def test_sigma0_gradient_is_exact():
    d = Density("eos80")
    temp = _t([2.0, 12.0, 25.0]).requires_grad_(True)
    sal = _t([34.5, 35.5, 37.0]).requires_grad_(True)
    assert torch.autograd.gradcheck(d.sigma0, (temp, sal))
    with pytest.raises(ValueError, match="unknown EOS"):
        Density("linear")

"""The NEMO-side modules (nemo_patches/MY_SRC: nemoml_hooks*.F90, nemoml_asmcycle.F90) compiled
as NEMO compiles them, against stand-in modules that declare the NEMO names they use
(tests/bridge/nemo_standin), and run on one rank."""

import shutil
import subprocess
from pathlib import Path

import pytest

from nemoml.base.paths import package_subdir
from nemoml.devtools.host import mpi_env, mpirun_command

from .conftest import requires_mpirun

STANDIN = Path(__file__).parent / "nemo_standin"
pytestmark = pytest.mark.skipif(shutil.which("mpif90") is None, reason="no mpif90")


def _sources() -> list[Path]:
    """In patch-nemo's order: the plugin's API and namelist, then the hooks (installed copies,
    the ones patch-nemo puts in MY_SRC)."""
    return [STANDIN / "nemo_standin.F90", package_subdir("include") / "nemoml.F90",
            package_subdir("include") / "nemoml_nam.F90",
            *(package_subdir("nemo_patches") / "MY_SRC" / f"{m}.F90"
              for m in ("nemoml_hooks_asm", "nemoml_hooks", "nemoml_asmcycle"))]


def _compile(tmp: Path, flags: list[str]) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    for src in _sources():
        cmd = ["mpif90", "-c", "-cpp", f"-I{STANDIN}", "-Wall", "-Werror=conversion",
               *flags, str(src)]
        r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout}{r.stderr}"


@pytest.mark.parametrize("real8", [[], ["-fdefault-real-8"]], ids=["real4", "real8"])
@pytest.mark.parametrize("keys", [["-Dkey_RK3"], [], ["-Dkey_RK3", "-Dkey_qco"],
                                  ["-Dkey_RK3", "-Dkey_single"], ["-Dkey_RK3", "-Dkey_asminc"]],
                         ids=["RK3", "MLF", "RK3-qco", "RK3-single", "RK3-asminc"])
def test_hooks_compile_with_nemo_flags(tmp_path, real8, keys):
    _compile(tmp_path, [*real8, *keys, "-O0"])


def _driver(tmp: Path, keys: list[str]) -> Path:
    flags = ["-fdefault-real-8", *keys]
    _compile(tmp, flags)
    objs = [p.with_suffix(".o").name for p in _sources()]
    ld = subprocess.run([".venv/bin/nemoml" if Path(".venv/bin/nemoml").exists() else "nemoml",
                         "config", "--ldflags"], capture_output=True, text=True, check=True)
    cmd = ["mpif90", "-cpp", f"-I{STANDIN}", *flags, "-o", "driver",
           str(STANDIN / "hooks_driver.F90"), *objs, *ld.stdout.split()]
    r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stdout}{r.stderr}"
    return tmp / "driver"


def _run(driver: Path, models: Path, eos: str, *more: str
         ) -> subprocess.CompletedProcess:
    return subprocess.run(mpirun_command(1) + [str(driver), str(models), eos, *more],
                          cwd=driver.parent,
                          env=mpi_env(1), capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


@requires_mpirun
@pytest.mark.mpi
@pytest.mark.parametrize("keys", [["-Dkey_RK3"], []], ids=["RK3", "MLF"])
def test_hooks_on_a_restart_leave_no_old_state(tmp_path, models, keys):
    """RK3: ssh(Kaa) is the new SSH (not the restart's 'ssha'), uu_b follows the new U, and the
    split-explicit history the restart holds is discarded (cold barotropic start)."""
    r = _run(_driver(tmp_path, keys), models, "ln_eos80")
    checks = dict(ln.split()[1:3] for ln in r.stdout.splitlines() if ln.startswith("CHECK "))
    assert r.returncode == 0, r.stdout + r.stderr
    expected = {"istate_t", "istate_ssh", "kmm_is_kbb", "increments_t"} | (
        {"ssh_kaa_new", "uu_b_new", "cold_barotropic_start"} if keys else {"euler_first_step"})
    assert set(checks) == expected and set(checks.values()) == {"PASS"}, r.stdout


@requires_mpirun
@pytest.mark.mpi
def test_increments_nemo_would_drop_stop_the_run(tmp_path, models):
    """&nam_asminc with ln_sshinc (or ln_trainc) off would silently drop the analysis' SSH
    (T, S) increment: the hook stops with the switch to set."""
    driver = _driver(tmp_path, ["-Dkey_RK3"])
    for switches, name, var in (("TTF", "ln_sshinc", "SSH"), ("FTT", "ln_trainc", "T, S")):
        r = _run(driver, models, "ln_eos80", switches)
        assert r.returncode != 0, r.stdout
        assert (f"CTL_STOP nemoml_hooks_increments: the analysis has a {var} increment but "
                f"{name} = .false. in &nam_asminc") in r.stdout, r.stdout + r.stderr
        assert "CHECK increments_t" not in r.stdout


# NEMO 5.0 modules that do not use asminc (directly or not): all the module asminc uses may use
NOT_ASMINC = {"oce", "dom_oce", "in_out_manager", "lib_mpp", "lbclnk", "par_kind", "par_oce",
              "nemoml", "nemoml_nam"}


def test_the_module_asminc_uses_cannot_close_a_dependency_cycle():
    """asminc uses nemoml_hooks_asm: if that used a NEMO module which uses asminc (nemoml_hooks
    uses dynspg_ts, which does), a fresh NEMO build fails on the circular dependency."""
    import re

    src = (package_subdir("nemo_patches") / "MY_SRC" / "nemoml_hooks_asm.F90").read_text()
    used = {m.lower() for m in re.findall(r"^\s*USE\s+(\w+)", src, flags=re.M | re.I)}
    assert used and used <= NOT_ASMINC, used - NOT_ASMINC


@requires_mpirun
@pytest.mark.mpi
@pytest.mark.parametrize("keys, switches, message", [
    ([], "TTT", "nn_nemoml_cycle > 0 needs NEMO built with key_asminc"),
    (["-Dkey_asminc"], "TTF", "set ln_trainc = .true. and ln_sshinc = .true."),
], ids=["no-key_asminc", "ln_sshinc-off"])
def test_cycling_refuses_a_build_or_nam_asminc_that_drops_it(tmp_path, models, keys, switches,
                                                              message):
    """The first cycled step stops every rank when NEMO lacks key_asminc or &nam_asminc would
    drop the analysis' increments (before the bridge is called)."""
    r = _run(_driver(tmp_path, ["-Dkey_RK3", *keys]), models, "ln_eos80", switches, "cycle")
    assert r.returncode != 0 and "CTL_STOP nemoml_asmcycle: " in r.stdout, r.stdout + r.stderr
    assert message in r.stdout.replace("\n", " ") and "cycle_checks_passed" not in r.stdout

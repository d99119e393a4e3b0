"""``nemoml config --generator/--solver`` print the packaged models' paths, which the
namelist's ``cn_nemoml_generator`` and ``cn_nemoml_da`` take."""

import subprocess
import sys
from pathlib import Path

import nemoml


def _config(*flags: str) -> str:
    out = subprocess.run([sys.executable, "-m", "nemoml.cli", "config", *flags],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_config_prints_the_packaged_generator_and_solver():
    from nemoml.assimilate import load_solver
    from nemoml.bridge.settings import Settings

    package = Path(nemoml.__file__).resolve().parent
    gen = Path(_config("--generator"))
    assert gen.is_absolute() and gen.resolve().is_relative_to(package)
    assert (gen / "generator.json").is_file()
    solver = Path(_config("--solver"))
    assert solver.resolve().is_relative_to(package)
    assert load_solver(solver).window == 15  # what the 4dvarnet handler loads from cn_nemoml_da
    # the printed paths go into the namelist as they are
    s = Settings(ln_nemoml_istate=True, cn_nemoml_generator=str(gen), ln_nemoml_asm=True,
                 cn_nemoml_da=str(solver), cn_nemoml_obs="obs.nc")
    s.validate()
    assert "-lnemoml" in _config("--ldflags")

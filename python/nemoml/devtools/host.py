"""The Fortran stand-in host (``nemoml_host``) under mpirun: namelists in, parsed output back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from nemoml.base.paths import bindir

HOST_DEFAULTS = {"nn_ni0glo": 32, "nn_nj0glo": 22, "nn_jpk": 31, "nn_hls": 2}


@dataclass
class HostRun:
    ranks: int
    returncode: int
    output: str
    layout: tuple[int, ...] = ()
    checks: dict[str, bool] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.returncode == 0 and bool(self.checks) and all(self.checks.values())

    def error(self) -> str:
        # mpirun merges the ranks' streams: another rank's unterminated stderr (a Python
        # traceback) can land at the start of the host's line, so look for the tag anywhere
        tag = "nemoml_host:"
        return "\n".join(ln[ln.index(tag):] for ln in self.output.splitlines() if tag in ln)


def mpirun_command(ranks: int) -> list[str]:
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        raise FileNotFoundError("mpirun not found: install openmpi-bin (make setup does)")
    cmd = [mpirun, "-n", str(ranks), "--oversubscribe"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def mpi_env(ranks: int = 1) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    # containers often forbid the cross-memory-attach syscalls Open MPI's shared memory tries
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    if ranks > usable_cores():
        # more ranks than cores: Open MPI's busy polling made 2 ranks of NEMO GYRE 10x slower
        # (82 % of the time in lbc_lnk); waiting ranks must give their core away
        env.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
    return env


def namelist(host: dict, nemoml: dict, extra: dict[str, dict] | None = None) -> str:
    def fmt(v):
        if isinstance(v, bool):
            return ".true." if v else ".false."
        return f"'{v}'" if isinstance(v, str) else str(v)

    def block(name, values):
        return f"&{name}\n" + "".join(f"   {k} = {fmt(v)}\n" for k, v in values.items()) + "/\n"

    return block("namhost", host) + block("namnemoml", nemoml) + "".join(
        block(name, values) for name, values in (extra or {}).items())


def default_settings(modeldir: Path) -> dict:
    return {
        "ln_nemoml": True,
        "nn_nemoml_threads": 1,
        "cn_nemoml_models": f"istate={modeldir}/istate.pt, increments={modeldir}/increments.pt",
        "ln_nemoml_istate": True,
        "cn_nemoml_istate": "model:istate",
        "ln_nemoml_asm": True,
        "cn_nemoml_increments": "model:increments",
    }


def run_host(ranks: int, workdir: Path, host: dict | None = None, settings: dict | None = None,
             timeout: float = 300, env: dict[str, str] | None = None,
             stream: bool = False, namelists: dict[str, dict] | None = None) -> HostRun:
    """Run the stand-in host on ``ranks`` ranks in ``workdir``.

    In selftest mode (the default) the test models are written to ``workdir/models`` first and
    ``settings`` default to the selftest's. ``stream`` echoes the output as it comes.
    ``namelists`` are further NEMO groups for the host to read, e.g. ``{"nameos": {...}}``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    modeldir = workdir / "models"
    host_values = {**HOST_DEFAULTS, "ln_selftest": True, "nn_fault": 0,
                   "cn_modeldir": str(modeldir), **(host or {})}
    if host_values["ln_selftest"] and not (modeldir / "conv.pt2").is_file():
        from nemoml.devtools.testmodels import write_all

        write_all(modeldir)
    nml = workdir / f"namelist_{ranks}"
    nml.write_text(namelist(host_values, settings or default_settings(modeldir), namelists))
    cmd = mpirun_command(ranks) + [str(bindir() / "nemoml_host"), str(nml)]
    proc = subprocess.Popen(cmd, cwd=workdir, env={**mpi_env(ranks), **(env or {})}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if stream:
                sys.stdout.write(line)
                sys.stdout.flush()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # never a hang: a stuck run is an error
        raise
    finally:
        reader.join(timeout=10)
    output = "".join(lines)
    run = HostRun(ranks, proc.returncode, output)
    for line in output.splitlines():
        parts = line.split()
        if parts[:1] == ["CHECK"] and len(parts) >= 3:
            run.checks[parts[1]] = parts[2] == "PASS"
        elif parts[:1] == ["CHECKSUM"] and len(parts) == 3:
            run.checksums[parts[1]] = parts[2]
        elif parts[:1] == ["LAYOUT"]:
            run.layout = tuple(int(p) for p in parts[1:])
    return run



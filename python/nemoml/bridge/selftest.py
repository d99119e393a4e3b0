"""``nemoml selftest``: the Fortran stand-in host under mpirun, through the installed bridge."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nemoml._paths import bindir

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
        lines = [ln for ln in self.output.splitlines() if ln.startswith("nemoml_host:")]
        return "\n".join(lines)


def mpirun_command(ranks: int) -> list[str]:
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        raise FileNotFoundError("mpirun not found: install openmpi-bin (make setup does)")
    cmd = [mpirun, "-n", str(ranks), "--oversubscribe"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def mpi_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    # containers often forbid the cross-memory-attach syscalls Open MPI's shared memory tries
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    return env


def namelist(host: dict, nemoml: dict) -> str:
    def fmt(v):
        if isinstance(v, bool):
            return ".true." if v else ".false."
        return f"'{v}'" if isinstance(v, str) else str(v)

    def block(name, values):
        return f"&{name}\n" + "".join(f"   {k} = {fmt(v)}\n" for k, v in values.items()) + "/\n"

    return block("namhost", host) + block("namnemoml", nemoml)


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
             timeout: float = 300, env: dict[str, str] | None = None) -> HostRun:
    """Run the stand-in host on ``ranks`` ranks in ``workdir`` (models written there first)."""
    from nemoml.bridge.testmodels import write_all

    workdir.mkdir(parents=True, exist_ok=True)
    modeldir = workdir / "models"
    if not (modeldir / "conv.pt2").is_file():
        write_all(modeldir)
    host_values = {**HOST_DEFAULTS, "ln_selftest": True, "nn_fault": 0,
                   "cn_modeldir": str(modeldir), **(host or {})}
    nml = workdir / f"namelist_{ranks}"
    nml.write_text(namelist(host_values, settings or default_settings(modeldir)))
    cmd = mpirun_command(ranks) + [str(bindir() / "nemoml_host"), str(nml)]
    proc = subprocess.run(cmd, cwd=workdir, env={**mpi_env(), **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    run = HostRun(ranks, proc.returncode, proc.stdout + proc.stderr)
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["CHECK"] and len(parts) >= 3:
            run.checks[parts[1]] = parts[2] == "PASS"
        elif parts[:1] == ["CHECKSUM"] and len(parts) == 3:
            run.checksums[parts[1]] = parts[2]
        elif parts[:1] == ["LAYOUT"]:
            run.layout = tuple(int(p) for p in parts[1:])
    return run


def report(runs: list[HostRun]) -> str:
    """One screen: each check per rank count, and whether results are identical across them."""
    names = list(dict.fromkeys(n for r in runs for n in r.checks))
    head = f"{'check':<22}" + "".join(f"{f'{r.ranks} rank(s)':>12}" for r in runs)
    lines = ["nemoml selftest: Fortran host -> C shim -> embedded Python -> TorchScript -> back"]
    if runs and runs[0].layout:
        _, _, ni, nj, nk, hls = runs[0].layout
        lines.append(f"global grid {ni}x{nj}x{nk}, halo {hls}; decompositions: " + ", ".join(
            f"{r.ranks} rank(s) {r.layout[0]}x{r.layout[1]}" for r in runs if r.layout))
    lines += ["", head]
    for n in names:
        cells = ("PASS" if r.checks.get(n) else "FAIL" if n in r.checks else "-" for r in runs)
        lines.append(f"{n:<22}" + "".join(f"{c:>12}" for c in cells))
    for r in runs:
        if r.returncode != 0:
            lines.append(f"\n{r.ranks} rank(s): exit status {r.returncode}\n{r.error() or r.output[-2000:]}")
    if len(runs) > 1:
        same = all(r.checksums == runs[0].checksums and r.checksums for r in runs)
        lines.append(f"\nresults identical for {', '.join(str(r.ranks) for r in runs)} ranks: "
                     f"{'yes' if same else 'NO'} ({len(runs[0].checksums)} global checksums)")
    return "\n".join(lines)


def selftest(ranks: int, compare: list[int], workdir: Path | None = None) -> tuple[bool, str]:
    counts = sorted({ranks, *compare})
    with tempfile.TemporaryDirectory(prefix="nemoml-selftest-") as tmp:
        base = Path(workdir) if workdir else Path(tmp)
        runs = [run_host(n, base) for n in counts]
    ok = all(r.passed for r in runs) and all(r.checksums == runs[0].checksums for r in runs)
    return ok, report(runs)

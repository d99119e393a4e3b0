"""The Fortran stand-in host through the installed bridge: results and every failure path."""

import os

import pytest

from nemoml.bridge.exchange import FAULT_ENV
from nemoml.devtools.host import HostRun, default_settings, run_host

from .conftest import requires_mpirun

pytestmark = [requires_mpirun, pytest.mark.mpi]


def test_identical_on_1_2_4_ranks(hostdir):
    runs = [run_host(n, hostdir) for n in (1, 2, 4)]
    for r in runs:
        assert r.passed, r.output
        assert len(r.checks) == 14
    assert [r.layout[:2] for r in runs] == [(1, 1), (2, 1), (2, 2)]
    assert runs[0].checksums == runs[1].checksums == runs[2].checksums


def test_land_domains_removed_same_results(hostdir):
    """NEMO's land-domain removal: 3 ranks on a 2x2 split whose south-west subdomain is land."""
    continent = {"rn_land": 1.05}
    full = run_host(4, hostdir, host=continent)
    removed = run_host(3, hostdir, host={**continent, "ln_landelim": True})
    assert full.passed and len(full.checks) == 14, full.output
    assert removed.passed and len(removed.checks) == 14, removed.output
    assert full.layout[:2] == removed.layout[:2] == (2, 2)
    assert (full.layout[-1], removed.layout[-1]) == (0, 1)  # land-only subdomains removed
    assert "in no rank's domain (land-only subdomains removed)" in removed.output
    # every global result is the same; the per-rank affine model (2x + 1, unmasked) is not
    # summed over the removed subdomain's land points
    local = "model_output_local"
    assert float(full.checksums[local]) - float(removed.checksums[local]) == 16 * 11 * 31
    del full.checksums[local], removed.checksums[local]
    assert removed.checksums == full.checksums


def test_venv_found_without_path_or_pythonpath(hostdir):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": "", "VIRTUAL_ENV": ""}
    r = run_host(1, hostdir, host={"ln_selftest": False}, env=env)
    assert r.returncode == 0, r.output
    assert "STATE istate_tn" in r.output and "nemoml_host: done" in r.output


def test_error_lines_survive_interleaved_rank_output():
    """Another rank's unterminated stderr can precede the host's message on one line."""
    out = ("LAYOUT 2 1\nImportError: broken installnemoml_host: nemoml_boot failed: no import\n"
           "nemoml_host: stop: nemoml_boot failed\n")
    assert HostRun(2, 2, out).error().splitlines() == [
        "nemoml_host: nemoml_boot failed: no import", "nemoml_host: stop: nemoml_boot failed"]


def _fails(r, *fragments):
    assert r.returncode == 2, r.output
    err = r.error()
    for text in fragments:
        assert text in err, err


@pytest.mark.parametrize("fault, fragments", [
    (1, ["nemoml_istate failed", "field tn: shape (20, 26, 30)", "expected (20, 26, 31)"]),
    (2, ["nemoml_istate failed", "mix dtypes", "sn=float32"]),
    (3, ["nemoml_istate failed", "rank 1", "field tn: 1 NaN/Inf", "first at (i="]),
    (4, ["nemoml_istate failed", "rank 0", "field sn: 1 nonzero value(s) on land points"]),
    (5, ["nemoml_init failed", "field umask: shape"]),
    (6, ["nemoml_forward(faulty) failed", "rank 1", "marker value -999"]),
    (7, ["nemoml_forward(faulty) failed", "not contiguous"]),
])
def test_bad_input_stops_every_rank(hostdir, fault, fragments):
    _fails(run_host(2, hostdir, host={"nn_fault": fault}, timeout=180), *fragments)


@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("fault, fragments", [
    (8, ["rank {last}: ValueError: input x: shape (", "does not end in this rank's (jpi, jpj)"]),
    (9, ["the ranks' arguments differ", "input 1: x(jpi,jpj,1) float64 on rank {last}",
         "x(jpi,jpj,31) float64 on rank 0"]),
    (10, ["the ranks' arguments differ", "mode: LOCAL on rank {last}, GLOBAL on rank 0"]),
], ids=["jpj", "levels", "mode"])
def test_global_forward_agrees_arguments(hostdir, ranks, fault, fragments):
    """The last rank passes another jpj, one level, or local mode to a global forward: every
    rank stops with a message naming the difference, none waits in the gather."""
    r = run_host(ranks, hostdir, host={"nn_fault": fault}, timeout=60)
    _fails(r, "nemoml_forward(roundtrip) failed",
           *(f.format(last=ranks - 1) for f in fragments))


@pytest.mark.parametrize("fault, selftest, fragments", [
    ("alloc_gather", True, ["nemoml_init failed", "rank 0: MemoryError", "for the gather"]),
    ("alloc_scatter", True, ["nemoml_forward(roundtrip) failed", "rank 0: MemoryError"]),
    ("alloc_scatter", False, ["nemoml_istate failed", "rank 0: MemoryError", "scatter"]),
])
def test_root_allocation_failure_stops_every_rank(hostdir, fault, selftest, fragments):
    """The root cannot allocate a gather or scatter buffer: every rank stops, none waits."""
    r = run_host(2, hostdir, host={"ln_selftest": selftest}, env={FAULT_ENV: fault}, timeout=120)
    _fails(r, *fragments)


@pytest.mark.parametrize("ranks, kind, fragment", [
    (2, "empty", "rank 0: MemoryError"),
    (4, "empty", "rank 0: MemoryError"),
    (2, "interrupt", "rank 0: KeyboardInterrupt"),
    (4, "exit", "rank 0: SystemExit: 3"),
    (2, "unprintable", "rank 0: _Unprintable"),
])
def test_any_exception_on_one_rank_stops_every_rank(hostdir, ranks, kind, fragment):
    """An exception without a message, a BaseException, or one whose message cannot be read,
    raised on the root only: every rank gets the same status and a message, nobody waits."""
    r = run_host(ranks, hostdir, env={FAULT_ENV: f"alloc_gather:{kind}"}, timeout=60)
    _fails(r, "nemoml_init failed", fragment)


def test_missing_model(hostdir):
    settings = {**default_settings(hostdir / "models"), "cn_nemoml_models": "istate=/nowhere/x.pt"}
    _fails(run_host(2, hostdir, settings=settings), "nemoml_init failed",
           "model 'istate': file /nowhere/x.pt does not exist")


def test_corrupt_model(hostdir):
    bad = hostdir / "corrupt.pt"
    bad.write_bytes(b"PK\x03\x04 definitely not a model" * 10)
    settings = {**default_settings(hostdir / "models"), "cn_nemoml_models": f"istate={bad}"}
    _fails(run_host(2, hostdir, settings=settings), "nemoml_init failed",
           f"model 'istate': cannot load {bad}")


def test_bad_namelist_value(hostdir):
    settings = {**default_settings(hostdir / "models"), "nn_nemoml_threads": 0}
    _fails(run_host(2, hostdir, settings=settings), "nemoml_init failed",
           "nn_nemoml_threads must be an integer >= 1")


@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("key, value, fragment", [
    ("nn_nemoml_thread", 1, "&namnemoml: unknown key nn_nemoml_thread (= 1)"),
    ("nn_nemoml_threads", "two", "&namnemoml: nn_nemoml_threads = 'two' is not an integer"),
    ("ln_nemoml_asm", 1, "&namnemoml: ln_nemoml_asm = 1 is not .true. or .false."),
], ids=["unknown", "integer", "logical"])
def test_namelist_error_names_the_key(hostdir, ranks, key, value, fragment):
    """A misspelled or wrongly typed &namnemoml key stops every rank before the plugin
    starts, with a message naming it (not only 'cannot read &namnemoml')."""
    settings = {**default_settings(hostdir / "models"), key: value}
    r = run_host(ranks, hostdir, settings=settings, timeout=60)
    assert r.returncode == 3, r.output
    assert fragment in r.error(), r.output


@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("key", ["cn_nemoml_rstout", "cn_nemoml_incout"])
def test_unwritable_output_stops_at_init(hostdir, ranks, key):
    """An output file that cannot be written is reported by nemoml_init, naming the path,
    not after the sampling or the analysis it would record."""
    bad = hostdir / "no_such_dir" / "out.nc"
    settings = {**default_settings(hostdir / "models"), key: str(bad)}
    r = run_host(ranks, hostdir, host={"ln_selftest": False}, settings=settings, timeout=60)
    _fails(r, "nemoml_init failed", f"rank 0: ValueError: {key} = '{bad}'")
    assert "STATE istate_tn" not in r.output  # stopped before the first hook


def test_unknown_handler(hostdir):
    settings = {**default_settings(hostdir / "models"), "cn_nemoml_istate": "oracle:x"}
    _fails(run_host(2, hostdir, host={"ln_selftest": False}, settings=settings),
           "nemoml_init failed", "unknown handler 'oracle'")


def test_broken_python_environment_fails_boot(hostdir):
    """A failing embedded import is a boot error, not a zero returned by every call."""
    shadow = hostdir / "shadow" / "nemoml"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('broken install')\n")
    r = run_host(2, hostdir, env={"PYTHONPATH": str(shadow.parent)})
    _fails(r, "nemoml_boot failed", "failed to import")
    assert "broken install" in r.output  # the traceback reaches stderr


@pytest.mark.parametrize("ranks", [2, 4])
def test_boot_failing_on_one_rank_stops_every_rank(hostdir, ranks):
    """The last rank cannot import nemoml; the others boot and must not go on into
    nemoml_init's collectives while it stops."""
    site = hostdir / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import os, sys\n"
        f"if os.environ.get('OMPI_COMM_WORLD_RANK') == '{ranks - 1}':\n"
        "    sys.modules['nemoml'] = None  # import nemoml fails on this rank only\n")
    r = run_host(ranks, hostdir, env={"PYTHONPATH": str(site)}, timeout=60)
    _fails(r, f"nemoml_boot failed on rank {ranks - 1}: ", "failed to import",
           "stop: nemoml_boot failed")


def test_no_hang_when_one_rank_fails(hostdir):
    """The one-rank failure above must end well inside its timeout on 4 ranks too."""
    r = run_host(4, hostdir, host={"nn_fault": 3}, timeout=120)
    _fails(r, "rank 3", "NaN")
    assert os.path.isdir(hostdir)

"""The procedure of nemo_patches/README.md, run as written.

Without NEMO: both blocks (5.0, 4.2) are there and every `nemoml` command in them parses. With
NEMOML_NEMO_TREE naming a fresh NEMO 5.0 or 4.2 tree (no cfgs/MY_GYRE yet), the block of that
version runs top to bottom in it, line by line with its time, and must end with the generated
state in EXP00's run and `nemoml check-nemo` at 5/5 (about 10 minutes on 2 cores).
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "nemo_patches" / "README.md"
TREE = os.environ.get("NEMOML_NEMO_TREE")


def blocks() -> dict[str, list[str]]:
    """version -> the command lines of its ```bash block (the one whose first line's comment
    names 'NEMO 5.0 tree' or 'NEMO 4.2 tree')."""
    out = {}
    for body in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S):
        lines = [ln for ln in body.splitlines() if ln.strip()]
        m = re.search(r"NEMO (\d\.\d) tree", lines[0])
        if m:
            out[m.group(1)] = lines
    return out


def command(line: str) -> str:
    """The line without its trailing comment (none of the commands has a '#' of its own)."""
    return line.split("  #")[0].strip()


def test_both_versions_have_a_block_and_their_nemoml_commands_parse():
    from nemoml.cli import build_parser

    got = blocks()
    assert set(got) == {"5.0", "4.2"}
    for version, lines in got.items():
        cmds = [command(ln) for ln in lines]
        assert any(c.startswith("./makenemo") and "-j 0" in c for c in cmds), version
        nemoml = [c for c in cmds if c.startswith("nemoml ")]
        assert [c.split()[1] for c in nemoml] == ["config", "patch-nemo", "check-nemo"], version
        for c in nemoml:
            build_parser().parse_args(shlex.split(c.split(">")[0])[1:])
    # the keys each version's makenemo spells its own way
    assert '--del_key "key_top key_xios"' in " ".join(got["5.0"])
    assert ' del_key "key_top key_xios"' in " ".join(got["4.2"])
    build = {v: next(c for c in map(command, got[v]) if c.endswith("-j 2")) for v in got}
    assert build == {"5.0": "./makenemo -n MY_GYRE -m nemoml -j 2",
                     "4.2": "./makenemo -r MY_GYRE -m nemoml -j 2"}


@pytest.mark.mpi
@pytest.mark.slow
@pytest.mark.skipif(not TREE, reason="NEMOML_NEMO_TREE (a fresh NEMO 5.0 or 4.2 tree) not set")
def test_the_procedure_runs_as_written_on_a_fresh_tree():
    from nemoml.devtools.host import mpi_env

    tree = Path(TREE).resolve()
    version = "5.0" if (tree / "src/OCE/stprk3.F90").is_file() else "4.2"
    assert not (tree / "cfgs" / "MY_GYRE").exists(), "needs a fresh tree: cfgs/MY_GYRE exists"
    script = ["set -e"]
    for line in blocks()[version]:
        script += [f"echo {shlex.quote('+ ' + command(line))}", "t0=$SECONDS", command(line),
                   'echo "TIME $((SECONDS - t0)) s"']
    env = mpi_env(2)
    env.update(NEMO=str(tree), PATH=f"{Path(sys.executable).parent}:{env['PATH']}",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    r = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tree, env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=3600)
    log = tree / "procedure.log"
    log.write_text(r.stdout)
    steps = "\n".join(ln for ln in r.stdout.splitlines()
                      if ln.startswith(("+ ", "TIME ", "CHECK ", "check-nemo: ")))
    print(steps)
    assert r.returncode == 0, f"{steps}\n(full log: {log})"
    assert "5/5 checks passed" in r.stdout, steps
    output = (tree / "cfgs/MY_GYRE/EXP00/ocean.output").read_text()
    assert "nemoml_hooks_istate : generated initial state" in output

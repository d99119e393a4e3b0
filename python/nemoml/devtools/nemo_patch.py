"""``nemoml patch-nemo``: insert nemoml's calls into a NEMO configuration's MY_SRC.

The few NEMO files to touch are copied from the user's own NEMO tree into ``CONFIG/MY_SRC``
(or taken from there when MY_SRC already has a modified copy) and our lines are inserted at
anchors. Every inserted line ends with the marker ``!! nemoml``, which makes the tool idempotent.
Nothing is written unless every anchor is found. Our own modules (``nemoml.F90``,
``nemoml_nam.F90``, ``nemoml_hooks*.F90``, ``nemoml_asmcycle.F90``) are copied beside them and
``&namnemoml`` is added to the ``namelist_cfg`` of every experiment directory (``EXPREF`` of a
reference configuration, ``EXP00``... of one made with ``makenemo -n NAME -r REF``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nemoml.base.files import atomic_text
from nemoml.base.paths import package_subdir
from nemoml.devtools import nemo_namelist as nmlio

MARK = "!! nemoml"


@dataclass(frozen=True)
class Insertion:
    anchors: tuple[str, ...]  # regexes for one line, tried in order (NEMO 5.0 first, then 4.2)
    where: str  # "after", "before" or "replace"
    lines: tuple[str, ...]
    why: str
    older: tuple[str, ...] = ()  # first lines of this block as older nemoml versions wrote it


def _step_hook(level: str) -> tuple[Insertion, ...]:
    """The per-step call; ``level``: the time level of the new state once the levels swapped."""
    return (Insertion((r"^\s*USE\s+step_oce\b",), "after",
                      ("   USE nemoml_asmcycle   ! nemoml plugin (cycled assimilation)",),
                      "module"),
            Insertion((rf"^\s*CALL\s+stp_ctl\s*\(\s*kstp\s*,\s*{level}\s*\)",), "after",
                      (f"                         CALL nemoml_asmcycle_step( kstp, {level} )"
                       "   ! nemoml: the state at the end of the step",),
                      "per-step hook of cycled assimilation after stp_ctl"))


PATCHES: dict[str, tuple[str, tuple[Insertion, ...]]] = {
    "nemogcm.F90": ("src/OCE/nemogcm.F90", (
        Insertion((r"^\s*USE\s+istate\b",), "after",
                  ("   USE nemoml_hooks   ! nemoml plugin (init, finalize)",), "module"),
        Insertion((r"^\s*CALL\s+dom_init\s*\(",), "after",
                  ("                           CALL nemoml_hooks_init( Nbb, Nnn, Naa )"
                   "   ! nemoml: comm, grid, masks known; before istate_init",),
                  "plugin init after dom_init"),
        Insertion((r"^\s*CALL\s+dyn_spg_init\b",), "after",
                  ("                           CALL nemoml_hooks_barotropic"
                   "   ! nemoml: after the restart's *_e fields are read",),
                  "cold barotropic start after a generated state (after dyn_spg_init)"),
        Insertion((r"^\s*CALL\s+nemo_closefile\s*$",), "before",
                  ("      CALL nemoml_hooks_finalize   ! nemoml: before MPI is finalised",),
                  "plugin finalize before MPI_Finalize"),
    )),
    "istate.F90": ("src/OCE/DOM/istate.F90", (
        Insertion((r"^\s*USE\s+restart\b",), "after",
                  ("   USE nemoml_hooks    ! nemoml plugin (generated initial state)",), "module"),
        Insertion((r"^#\s*if\s+defined\s+key_RK3\s*$", r'^\s*!\s*Initialize "before" barotropic',
                   r"^\s*uu_b\s*\(:,:,Kmm\)\s*=\s*0"), "before",
                  ("      CALL nemoml_hooks_istate( Kbb, Kmm, Kaa )"
                   "   ! nemoml: after the restart/rest block",),
                  "initial state after the restart/rest block, before the barotropic block"),
    )),
    "asminc.F90": ("src/OCE/ASM/asminc.F90", (
        Insertion((r"^\s*USE\s+lib_mpp\b",), "after",
                  ("   USE nemoml_hooks_asm, ONLY : ln_nemoml_asm, nemoml_hooks_increments",),
                  "module", older=("   USE nemoml_hooks, ONLY : ln_nemoml_asm, "
                                   "nemoml_hooks_increments",)),
        Insertion((r"^\s*PUBLIC\s+asm_inc_init\b",), "after",
                  ("   PUBLIC   ssh_bkginc     ! nemoml: re-armed by nemoml_asmcycle",),
                  "SSH increment visible to the cycling module"),
        Insertion((r"^\s*IF\s*\(\s*ln_trainc\s*\.OR\.\s*ln_dyninc\s*\.OR\.\s*&",), "replace",
                  ("      IF( ln_nemoml_asm ) THEN   ! nemoml: increments computed inline",
                   "         CALL nemoml_hooks_increments( Kbb, Kmm, t_bkginc, s_bkginc, u_bkginc,"
                   " v_bkginc, ssh_bkginc, ln_trainc, ln_dyninc, ln_sshinc )",
                   "      ELSE IF ( ln_trainc .OR. ln_dyninc .OR.   &"),
                  "increments filled inline instead of read from the file"),
    )),
    # the time step, for cycled assimilation: after stp_ctl, the state of the step is complete
    "stprk3.F90": ("src/OCE/stprk3.F90", _step_hook("Nbb")),   # NEMO 5.0 RK3
    "stpmlf.F90": ("src/OCE/stpmlf.F90", _step_hook("Nnn")),   # NEMO 5.0 MLF
    "step.F90": ("src/OCE/step.F90", _step_hook("Nnn")),       # NEMO 4.2
}
# files of which a NEMO version has some, not all: each one found is patched, one is needed
ONE_OF = {"time step": ("stprk3.F90", "stpmlf.F90", "step.F90")}


class PatchError(RuntimeError):
    pass


def _marked(line: str) -> str:
    return f"{line}   {MARK}"


def patch_text(text: str, name: str, inserts: tuple[Insertion, ...]) -> tuple[str, list[str]]:
    """Return the patched text and what was done; raise PatchError naming a missing anchor."""
    lines = text.splitlines()
    done = []
    for ins in inserts:
        heads = (ins.lines[0], *ins.older)
        first = next((k for k, ln in enumerate(lines)
                      if ln.endswith(MARK) and ln[: -len(MARK)].rstrip() in heads), None)
        if first is not None:  # patched before: bring the block up to this version's lines
            end = first
            while end < len(lines) and lines[end].endswith(MARK):
                end += 1
            new = [_marked(ln) for ln in ins.lines]
            end = min(end, first + len(new)) if ins.where != "replace" else end
            stale = lines[first:end] != new
            lines[first:end] = new
            done.append(f"{name}: {ins.why}: {'updated' if stale else 'already patched'}")
            continue
        index = None
        for pattern in ins.anchors:
            index = next((k for k, ln in enumerate(lines)
                          if re.search(pattern, ln) and not ln.endswith(MARK)), None)
            if index is not None:
                break
        if index is None:
            raise PatchError(f"{name}: anchor for '{ins.why}' not found (looked for "
                             f"{' or '.join(repr(p) for p in ins.anchors)}); is this NEMO 4.2 "
                             f"or 5.0?")
        new = [_marked(ln) for ln in ins.lines]
        if ins.where == "after":
            lines[index + 1:index + 1] = new
        elif ins.where == "before":
            lines[index:index] = new
        else:
            lines[index:index + 1] = new
        done.append(f"{name}: {ins.why}: line {index + 1}")
    return "\n".join(lines) + "\n", done


def namelist_file() -> Path:
    """The installed ``&namnemoml`` block (the path users are told to copy from)."""
    return package_subdir("nemo_patches") / "namelist_nemoml"


def namelist_block() -> str:
    return namelist_file().read_text()


def experiment_namelists(config: Path) -> list[Path]:
    """``namelist_cfg`` of every experiment directory: EXPREF and EXP00, EXP01... (makenemo
    copies EXPREF of the reference configuration to EXP00 of a new one)."""
    return sorted(p for p in config.glob("EXP*/namelist_cfg") if p.is_file())


def known_keys() -> list[str]:
    """The keys of ``&namnemoml`` (from the installed block)."""
    block = namelist_block().splitlines()
    return [k for _, k, _ in nmlio.assignments(block, nmlio.groups(block, "namnemoml")[0])]


def istate_settings() -> dict[str, str]:
    """``--istate``: the plugin on, the generated initial state from the packaged generator."""
    from nemoml.base.packaged import GENERATOR

    return {"ln_nemoml": ".true.", "ln_nemoml_istate": ".true.",
            "cn_nemoml_generator": f"'{GENERATOR}'"}


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs of ``--set``; an unknown key raises naming the closest known one."""
    known = known_keys()
    out = {}
    for pair in pairs:
        key, sep, val = pair.partition("=")
        key, val = key.strip().lower(), val.strip()
        if not sep or not key or not val:
            raise PatchError(f"--set {pair!r}: expected KEY=VALUE, e.g. ln_nemoml=.true.")
        if key not in known:
            near = nmlio.closest(key, known)
            raise PatchError(f"--set {pair!r}: &namnemoml has no key {key!r}"
                             + (f" (did you mean {near!r}?)" if near else ""))
        out[key] = val
    return out


def patch_config(config: Path, nemo: Path | None = None,
                 settings: dict[str, str] | None = None) -> list[str]:
    """Patch ``config/MY_SRC``; ``nemo`` is the NEMO tree (default: two levels above config);
    ``settings`` (key -> Fortran value text) are set in the ``&namnemoml`` of every experiment
    namelist, appended or already there."""
    config = Path(config).resolve()
    if not config.is_dir():
        raise PatchError(f"configuration directory {config} does not exist: create it first "
                         f"with makenemo -n {config.name} -r REF ... -j 0 (creates it, builds "
                         f"nothing; nemo_patches/README.md)")
    nemo = Path(nemo).resolve() if nemo else config.parent.parent
    mysrc = config / "MY_SRC"
    planned: dict[Path, str] = {}
    report: list[str] = []
    optional = {name for names in ONE_OF.values() for name in names}
    for name, (relpath, inserts) in PATCHES.items():
        source = mysrc / name if (mysrc / name).is_file() else nemo / relpath
        if not source.is_file() and name in optional:
            continue
        if not source.is_file():
            raise PatchError(f"{name}: neither {mysrc / name} nor {nemo / relpath} exists; pass "
                             f"--nemo with the root of your NEMO tree")
        text, done = patch_text(source.read_text(), name, inserts)
        planned[mysrc / name] = text
        report += [f"{d} (from {source})" if source.parent != mysrc else d for d in done]
    for what, names in ONE_OF.items():
        if not any(mysrc / n in planned for n in names):
            raise PatchError(f"{what}: none of {', '.join(names)} in {mysrc} or {nemo / 'src/OCE'}"
                             "; pass --nemo with the root of your NEMO tree")
    ours = (package_subdir("include") / "nemoml.F90", package_subdir("include") / "nemoml_nam.F90",
            *(package_subdir("nemo_patches") / "MY_SRC" / f"{m}.F90"
              for m in ("nemoml_hooks", "nemoml_hooks_asm", "nemoml_asmcycle")))
    for src in ours:
        planned[mysrc / src.name] = src.read_text()
        report.append(f"{src.name}: copied from the installed nemoml")
    namelists = experiment_namelists(config)
    for nml in namelists:
        label = nml.relative_to(config)
        current = nml.read_text()
        blocks = nmlio.groups(current.splitlines(), "namnemoml")
        if len(blocks) > 1:
            report.append(f"warning: {label} holds {len(blocks)} &namnemoml blocks (lines "
                          f"{', '.join(str(b.start + 1) for b in blocks)}): NEMO reads only the "
                          f"first; merge them into it")
        if blocks:
            text = current
            what = "&namnemoml already present"
        else:
            text = current.rstrip("\n") + "\n" + namelist_block()
            what = "&namnemoml appended"
        if settings:
            text = nmlio.set_keys(text, "namnemoml", settings)
            what += ", set " + ", ".join(f"{k} = {v}" for k, v in settings.items())
        elif not blocks:
            what += " (ln_nemoml = .false.)"
        if text != current:
            planned[nml] = text
        report.append(f"{label}: {what}")
    if not namelists:
        report.append(f"no EXP*/namelist_cfg in {config}: append {namelist_file()} to the "
                      f"namelist_cfg of your experiment")
    mysrc.mkdir(exist_ok=True)
    for path, text in planned.items():
        if not path.is_file() or path.read_text() != text:
            atomic_text(path, text)
    return report


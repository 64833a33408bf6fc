"""requirements.lock pins every dependency with hashes, and the venv the tests run in is exactly it."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# One locked requirement: `name==version \` then its `--hash=sha256:…` lines.
ENTRY = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)[^\n]*\n((?:\s+--hash=sha256:[0-9a-f]{64}[ \\]*\n)+)?", re.M
)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes)."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {_norm(m[1]): (m[2], (m[3] or "").count("--hash=")) for m in ENTRY.finditer(text)}


def test_every_dependency_of_pyproject_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + [
        d for ds in project["optional-dependencies"].values() for d in ds
    ]
    names = {_norm(re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0]) for d in wanted}
    locked = _locked()
    assert names <= set(locked), f"not in requirements.lock (run make lock): {sorted(names - set(locked))}"
    unhashed = sorted(name for name, (_, hashes) in locked.items() if hashes == 0)
    assert not unhashed, f"locked without a hash: {unhashed}"
    assert {"pip", "setuptools"} <= set(locked)  # the installer and build backend are pinned too


def test_the_installed_packages_are_the_locked_versions() -> None:
    installed = {_norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    locked = _locked()
    differ = {
        name: (version, installed.get(name))
        for name, (version, _) in locked.items()
        if installed.get(name) != version
    }
    assert not differ, f"installed ≠ locked (run make install): {differ}"

"""Build a venv the way infra/docker/Dockerfile's build stage does: a wheel of exactly what the stage
COPYs, installed into a fresh venv. No Docker engine runs here, so the tests run the image's commands
in that venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ...unit.infra.dockerfile import DOCKERFILE, instructions
from ...unit.infra.manifests import ROOT


class BuildUnavailable(RuntimeError):
    """The wheel could not be built for a reason outside the repository (no package index for the build backend)."""


def build_context(where: Path, path: Path = DOCKERFILE) -> Path:
    """The build stage's /src: exactly what its COPY instructions copy (so a file the wheel needs but
    the Dockerfile forgets fails here too), and the repository itself stays free of build output."""
    src = where / "src"
    src.mkdir()
    stages = 0
    for name, args in instructions(path.read_text()):
        stages += name == "FROM"
        if stages > 1:
            break  # the build stage ends at the next FROM
        if name != "COPY":
            continue
        *sources, dest = args.split()
        for source in sources:
            # Docker's rule: a destination ending in "/" receives each source by its own name.
            target = src / dest / Path(source).name if dest.endswith("/") else src / dest
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(ROOT / source, target)
    return src


def without_pythonpath() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def build_image_venv(where: Path) -> Path:
    """A venv holding the repository's wheel, built like the Dockerfile's build stage. Its
    dependencies are not downloaded again: a .pth file lends it this interpreter's site-packages
    (after its own, so the wheel's copy of sre_agent and mcp_servers is the one imported)."""
    wheels = where / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", str(wheels),
                            str(build_context(where))], capture_output=True, text=True, timeout=300, env=without_pythonpath())
    if built.returncode != 0:
        if "Could not find a version that satisfies the requirement setuptools" in built.stderr:
            raise BuildUnavailable(f"pip cannot fetch the build backend: {built.stderr[-500:]}")
        raise AssertionError(f"pip wheel of the repository failed: {built.stderr[-3000:]}")
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                                "--no-deps", *map(str, wheels.glob("sre_agent-*.whl"))], capture_output=True, text=True,
                               timeout=300, env=without_pythonpath())
    assert installed.returncode == 0, f"installing the wheel failed: {installed.stderr[-3000:]}"
    # Only now: with the dependencies visible, pip would take this checkout's own install for the wheel.
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv

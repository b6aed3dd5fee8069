"""infra/docker/Dockerfile as data: each stage's ENV, USER, EXPOSE, ENTRYPOINT, CMD and HEALTHCHECK
(a stage built FROM another inherits them), and its instructions in order. No Docker engine runs here,
so the tests read the Dockerfile and run its commands themselves."""

from __future__ import annotations

import copy
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .manifests import ROOT

DOCKERFILE = ROOT / "infra" / "docker" / "Dockerfile"


@dataclass
class Stage:
    env: dict[str, str] = field(default_factory=dict)
    user: str = ""
    expose: list[int] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " " if line.rstrip().endswith("\\") else line.strip()
        if not line.rstrip().endswith("\\"):
            joined.append(current)
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in joined]


def stages(path: Path = DOCKERFILE) -> dict[str, Stage]:
    """Every stage by its name (`AS name`), a stage built `FROM` another inheriting its settings;
    the last stage is also under "" (what `docker build` without --target produces)."""
    found: dict[str, Stage] = {}
    stage = Stage()
    for name, args in instructions(path.read_text()):
        if name == "FROM":
            image, _, alias = args.partition(" AS ")
            parent = found.get(image.strip())
            stage = copy.deepcopy(parent) if parent else Stage()
            found[alias.strip() or f"#{len(found)}"] = stage
        elif name == "ENV":
            stage.env.update(pair.split("=", 1) for pair in shlex.split(args))
        elif name == "USER":
            stage.user = args.strip()
        elif name == "EXPOSE":
            stage.expose += [int(port.split("/")[0]) for port in args.split()]
        elif name in ("ENTRYPOINT", "CMD"):
            setattr(stage, name.lower(), json.loads(args))  # exec form only: a shell form would hide signals
        elif name == "HEALTHCHECK":
            stage.healthcheck = json.loads(args[args.index("CMD") + 3:])
    found[""] = stage
    return found

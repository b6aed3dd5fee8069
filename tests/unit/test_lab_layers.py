"""The lab's layers hold: kube < world < aws < prometheus < scenarios < the Lab assembly (modules directly in
sre_agent/lab). A module may import its own layer and those below it, never one above; the lab
imports nothing of sre_agent but itself and sre_agent.contracts; there is no import cycle inside
it (imports in functions and under TYPE_CHECKING count too); and no module outgrows one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "sre_agent" / "lab"
LAYERS = ("kube", "world", "aws", "prometheus", "scenarios")  # lowest first; anything else in lab/ is the assembly
ASSEMBLY = len(LAYERS)
ALLOWED_OUTSIDE_THE_LAB = ("sre_agent.contracts",)
MAX_LINES = 450


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(LAB.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it, with relative imports resolved; for
    `from package import name` the submodule `package.name` too when it is a lab module."""
    name = _name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES)
    return found


IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


def _layer(module: str) -> int:
    parts = module.split(".")[2:]  # after sre_agent.lab
    return LAYERS.index(parts[0]) if parts and parts[0] in LAYERS else ASSEMBLY


def _label(layer: int) -> str:
    return LAYERS[layer] if layer < ASSEMBLY else "the Lab assembly"


def test_every_lab_module_imports_only_its_own_layer_and_those_below():
    upward = [f"{module} ({_label(_layer(module))}) imports {target} ({_label(_layer(target))})"
              for module, targets in IMPORTS.items() for target in sorted(targets)
              if target in MODULES and _layer(target) > _layer(module)]
    assert not upward, "layer order is kube < world < aws < prometheus < scenarios < the Lab assembly:\n" + "\n".join(upward)


def test_the_lab_imports_nothing_of_sre_agent_but_itself_and_the_contracts():
    outside = [f"{module} imports {target}" for module, targets in IMPORTS.items() for target in sorted(targets)
               if (target == "sre_agent" or target.startswith("sre_agent.")) and not target.startswith("sre_agent.lab")
               and not target.startswith(ALLOWED_OUTSIDE_THE_LAB)]
    assert not outside, ("the lab may import only sre_agent.lab and sre_agent.contracts; hand the rest a value "
                         "(as trigger.ScenarioTrigger does) instead:\n" + "\n".join(outside))


def test_there_is_no_import_cycle_inside_the_lab():
    edges = {module: sorted(t for t in targets if t in MODULES and t != module) for module, targets in IMPORTS.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in edges[module]:
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert not cycles, ("import cycles in sre_agent/lab (a narrow Protocol, as world/context.py has, breaks "
                        "one):\n" + "\n".join(cycles))


def test_no_lab_module_is_oversized():
    oversized = [f"{path.relative_to(ROOT)}: {n} lines" for path in MODULES.values()
                 if (n := len(path.read_text().splitlines())) > MAX_LINES]
    assert not oversized, f"split these (at most {MAX_LINES} lines each):\n" + "\n".join(oversized)


def test_the_layer_check_sees_every_kind_of_import():
    """The checks above are only as good as `_imports`: relative, absolute, in functions, under TYPE_CHECKING."""
    feed = IMPORTS["sre_agent.lab.aws.feed"]
    assert "sre_agent.lab.world.world" in feed  # under TYPE_CHECKING
    assert "sre_agent.lab.world.controllers.common" in feed
    assert "sre_agent.lab.world.noise" in feed  # `from ..world import noise`
    assert "sre_agent.lab.kube.quantity" in feed  # inside a function
    assert "sre_agent.contracts" in IMPORTS["sre_agent.lab.scenarios.schema"]

"""The dependency path: the alarmed resource to the root cause, one box per resource left to right,
each hop labelled with the relation a tool result showed. The root cause is drawn red (gid
root-cause), other failing nodes amber; every node's gid is node-<index>, and its resource id is
its label, so a reader can find any node by name."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .models import PathEvidence
from .svg import ALARM, MUTED, ONSET, SERIES, render

FILL = {"root_cause": "#fadbd8", "failing": "#fdebd0", "ok": "#eaf2f8"}


def caption(path: PathEvidence) -> str:
    how = ("over the ownership and dependency edges the tools returned" if path.found else
           "no chain of edges in the evidence joins them: the two ends only")
    sources = f" [{', '.join(path.evidence)}]" if path.evidence else ""
    return f"from {path.nodes[0].resource} to the root cause {path.nodes[-1].resource}, {how}{sources}"


def draw_path(figure: Figure, path: PathEvidence) -> None:
    axes = figure.add_subplot()
    axes.set_axis_off()
    count = len(path.nodes)
    axes.set_xlim(-0.6, count - 0.4)
    axes.set_ylim(-1.0, 1.0)
    for index, node in enumerate(path.nodes):
        colour = ALARM if node.role == "root_cause" else ONSET if node.failing else SERIES
        fill = FILL["root_cause" if node.role == "root_cause" else "failing" if node.failing else "ok"]
        box = FancyBboxPatch((index - 0.42, -0.3), 0.84, 0.6, boxstyle="round,pad=0.02", fc=fill, ec=colour,
                             lw=2.2 if node.role == "root_cause" else 1.2)
        box.set_gid("root-cause" if node.role == "root_cause" else f"node-{index}")
        axes.add_patch(box)
        namespace, _, short = node.resource.rpartition("/")
        label = axes.text(index, 0.05, f"{namespace}/\n{short}" if namespace else short, ha="center", va="center",
                          fontsize=7.5, color=colour, wrap=True)
        label.set_gid("root-cause-label" if node.role == "root_cause" else f"node-{index}-label")
        role = {"alarmed": "alarmed", "root_cause": "ROOT CAUSE", "hop": ""}[node.role]
        if index == 0 and node.role == "root_cause":  # the alarm is on the root cause itself
            role = "alarmed, ROOT CAUSE"
        note = ", ".join([*([role] if role else []), *node.signals[:2]])
        if note:
            axes.text(index, -0.45, note, ha="center", va="top", fontsize=7, color=colour)
    for index, relation in enumerate(path.relations):
        arrow = FancyArrowPatch((index + 0.43, 0), (index + 0.57, 0), arrowstyle="-|>", mutation_scale=12,
                                color=MUTED if not path.found else SERIES, ls="-" if path.found else "--")
        arrow.set_gid(f"edge-{index}")
        axes.add_patch(arrow)
        axes.text(index + 0.5, 0.45, relation, ha="center", fontsize=7, color=MUTED)
    axes.set_title("dependency path: alarm → root cause" + ("" if path.found else " (no path in the evidence)"), loc="left")


def path_svg(path: PathEvidence) -> str:
    return render(lambda figure: draw_path(figure, path), max(4.0, 2.2 * len(path.nodes)), 2.0,
                  {"left": 0.01, "right": 0.99, "top": 0.85, "bottom": 0.02})

"""matplotlib figures to SVG text: the Agg-free SVG backend, fixed ids (reproducible files, and the
elements a reader or a test looks for keep the gids the drawing gave them), text kept as text."""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("svg", force=False)  # no display, no Tk: a server renders charts off any thread

from matplotlib.figure import Figure  # noqa: E402 -- after choosing the backend

# pyplot's global state is not used (Figure objects only); rcParams are global, so a lock keeps two
# threads from rendering with each other's context.
_LOCK = threading.Lock()
STYLE = {"svg.hashsalt": "sre-agent", "svg.fonttype": "none", "font.size": 9, "axes.titlesize": 10,
         "axes.spines.top": False, "axes.spines.right": False}

# Colours with meaning, shared by every chart (and the console's legend).
ALARM = "#c0392b"
ONSET = "#e67e22"
ACTION = "#27ae60"
SERIES = "#2c3e50"
MUTED = "#95a5a6"
BAND = "#d6eaf8"


def render(draw, width_in: float, height_in: float, margins: dict[str, float] | None = None) -> str:
    """`draw(figure)` under the shared style, as SVG text. Fixed margins (fractions of the figure), not
    a layout engine: constrained layout doubled the drawing time, and these charts have one axes each."""
    with _LOCK, matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(width_in, height_in))
        figure.subplots_adjust(**{"left": 0.08, "right": 0.98, "top": 0.88, "bottom": 0.16, **(margins or {})})
        draw(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "sre-agent"})
    return buffer.getvalue()

"""The postmortem draft of an incident (`sre-agent postmortem ID`, the console's postmortem page): draft.py builds it
from the run's own state, result and the incident memory; render.py writes it as markdown or one HTML page."""

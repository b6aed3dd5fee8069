"""The world's history for a Prometheus that starts after it: while a scenario's history is replayed, each minute
the feed samples is also written as one scrape, stamped with that minute, into an OpenMetrics file -- what
`promtool tsdb create-blocks-from openmetrics` turns into TSDB blocks (../prometheus_stack.py). So a Prometheus started on a
loaded lab holds the same three hours CloudWatch holds, with the fault's onset where it happened, and scrapes the
rest live.

Scrapes are written minute after minute, so every series' samples are in time order, as a block's writer needs.
About 1,200 series a minute in a catalog scenario: three hours are ~35 MB on disk, written in ~1.5 s."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..aws.feed import AwsFeed
    from .scrape import LabMetrics

FILE_NAME = "prometheus-history.om"
JOB = "sre-lab"  # the scrape job of the lab's Prometheus (prometheus_stack.py)


def target_labels(scrape_url: str) -> str:
    """The labels a scrape adds to every sample (job, and instance: the target's host:port), as a label list's
    text: the history must carry them too, or its series and the live scrape's would be two series each, counted
    twice by every sum() until the history's go stale."""
    instance = scrape_url.split("://", 1)[-1].split("/", 1)[0]
    return f'job="{JOB}",instance="{instance}"'


def labelled(line: str, labels: str) -> str:
    """A sample line with `labels` added first in its label set."""
    brace, space = line.find("{"), line.find(" ")
    if brace != -1 and (space == -1 or brace < space):
        rest = line[brace + 1:]
        return f"{line[:brace]}{{{labels}{'' if rest.startswith('}') else ','}{rest}"
    return f"{line[:space]}{{{labels}}}{line[space:]}"


class HistoryWriter:
    """Writes one stamped scrape per sampled minute until `close()`, which ends the file as OpenMetrics requires."""

    def __init__(self, metrics: LabMetrics, feed: AwsFeed, path: Path, scrape_url: str) -> None:
        self.metrics, self.feed, self.path = metrics, feed, path
        self.labels = target_labels(scrape_url)
        self._out: TextIO | None = path.open("w", encoding="utf-8")
        self.minutes = 0
        feed.on_sample.append(self._write)

    def _write(self) -> None:
        if self._out is None or self.feed.last_sample is None:
            return
        self._out.writelines(f"{labelled(line, self.labels)}\n"
                             for line in self.metrics.samples_at(self.feed.last_sample.timestamp()))
        self.minutes += 1

    def close(self) -> Path:
        """Stop writing (the feed's later minutes are Prometheus' own scrapes) and return the finished file."""
        if self._write in self.feed.on_sample:
            self.feed.on_sample.remove(self._write)
        if self._out is not None:
            self._out.write("# EOF\n")
            self._out.close()
            self._out = None
        return self.path

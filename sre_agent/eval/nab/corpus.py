"""Loading the NAB corpus: where the data directory is, and reading its series, its labelled
anomaly windows (as record index ranges) and the published reference detectors' outputs. Pure
file reading and validation; scoring lives in ``sweep`` and ``scoring``.

Data layout (see the NAB data dir's README): ``<dir>/combined_windows.json``,
``<dir>/<category>/<file>.csv`` (``timestamp,value``), and optionally
``<dir>/reference_detectors/<name>/<name>_<file>.csv`` plus ``reference_detectors/thresholds.json``.
The directory defaults to ``../shared/nab`` next to the repository; ``SRE_AGENT_EVAL_NAB_DIR`` (the eval.nab_dir setting) overrides.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from ...app.settings import env_var

NAB_DIR_ENV = env_var("eval", "nab_dir")  # the eval.nab_dir setting, read here without loading them all


@dataclass(frozen=True)
class NabFile:
    """One data file: its label key, records, and windows as inclusive index ranges."""

    key: str  # "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv"
    timestamps: tuple[datetime, ...]
    values: np.ndarray
    windows: tuple[tuple[int, int], ...]
    labels: int  # anomaly labels in combined_labels.json (several may share one window)

    def __len__(self) -> int:
        return len(self.timestamps)


def default_nab_dir() -> Path:
    """``$SRE_AGENT_EVAL_NAB_DIR`` if set, else ``../shared/nab`` relative to the repository root."""
    override = os.environ.get(NAB_DIR_ENV)
    if override:
        return Path(override)
    repo_root = Path(__file__).resolve().parents[3]
    return repo_root.parent / "shared" / "nab"


def resolve_nab_dir(data_dir: str | Path | None = None) -> Path:
    path = Path(data_dir) if data_dir is not None else default_nab_dir()
    if not (path / "combined_windows.json").is_file():
        raise FileNotFoundError(
            f"NAB data not found: {path / 'combined_windows.json'} does not exist. Point "
            f"{NAB_DIR_ENV} (or the data_dir argument) at a directory holding NAB's "
            "combined_windows.json and its realAWSCloudwatch/*.csv files."
        )
    return path


def _parse_timestamp(text: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{where}: bad timestamp {text!r} (expected 'YYYY-MM-DD HH:MM:SS')") from exc


def read_series_csv(path: Path, value_column: str = "value") -> tuple[list[datetime], np.ndarray]:
    """Read a NAB CSV (``timestamp,<value_column>``)."""
    timestamps: list[datetime] = []
    values: list[float] = []
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "timestamp" not in reader.fieldnames or value_column not in reader.fieldnames:
            raise ValueError(f"{path}: expected columns 'timestamp,{value_column}', got {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            timestamps.append(_parse_timestamp(row["timestamp"], f"{path}:{line}"))
            try:
                values.append(float(row[value_column]))
            except ValueError as exc:
                raise ValueError(f"{path}:{line}: {value_column} {row[value_column]!r} is not a number") from exc
    return timestamps, np.asarray(values, dtype=float)


def load_corpus(data_dir: str | Path | None = None) -> dict[str, NabFile]:
    """Every file of ``combined_windows.json`` present under ``data_dir``, keyed by its label key.

    The label file covers all 58 NAB files; a data dir may ship only some categories, so keys
    whose CSV is absent are skipped — but a directory with none of them is an error.
    """
    root = resolve_nab_dir(data_dir)
    windows_by_key: dict[str, list[list[str]]] = json.loads((root / "combined_windows.json").read_text())
    labels_path = root / "combined_labels.json"
    labels_by_key: dict[str, list[str]] = json.loads(labels_path.read_text()) if labels_path.is_file() else {}
    corpus: dict[str, NabFile] = {}
    for key in sorted(windows_by_key):
        path = root / key
        if not path.is_file():
            continue
        timestamps, values = read_series_csv(path)
        index_of = {t: i for i, t in enumerate(timestamps)}
        windows: list[tuple[int, int]] = []
        for start_text, end_text in windows_by_key[key]:
            start = _parse_timestamp(start_text, f"combined_windows.json[{key}]")
            end = _parse_timestamp(end_text, f"combined_windows.json[{key}]")
            if start not in index_of or end not in index_of:
                # NAB's labeler refuses this too: window edges must be records of the file.
                raise ValueError(
                    f"combined_windows.json: window [{start_text}, {end_text}] of {key} does not "
                    "start and end on timestamps present in the data file; relabel or fix the data."
                )
            windows.append((index_of[start], index_of[end]))
        windows.sort()
        for (_, prev_end), (start_i, _) in zip(windows, windows[1:]):
            if start_i <= prev_end:
                raise ValueError(f"combined_windows.json: windows of {key} overlap at record {start_i}; "
                                 "NAB merges overlapping windows when it builds the file — merge them")
        n_labels = len(labels_by_key.get(key, windows))
        corpus[key] = NabFile(key, tuple(timestamps), values, tuple(windows), n_labels)
    if not corpus:
        raise FileNotFoundError(
            f"{root}: none of the data files named in combined_windows.json exist "
            "(expected e.g. realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv)."
        )
    return corpus


def load_reference_scores(data_dir: str | Path | None = None, detector: str = "numenta") -> dict[str, np.ndarray]:
    """A published detector's anomaly scores (``reference_detectors/<detector>/``) per label key."""
    root = resolve_nab_dir(data_dir)
    scores: dict[str, np.ndarray] = {}
    for key, nab_file in load_corpus(root).items():
        name = Path(key).name
        path = root / "reference_detectors" / detector / f"{detector}_{name}"
        if not path.is_file():
            raise FileNotFoundError(f"reference output {path} for {key} is missing")
        timestamps, values = read_series_csv(path, value_column="anomaly_score")
        if len(timestamps) != len(nab_file):
            raise ValueError(f"{path}: {len(timestamps)} rows but {key} has {len(nab_file)}")
        scores[key] = values
    return scores


def load_reference_thresholds(data_dir: str | Path | None = None) -> dict[str, dict[str, float]]:
    """NAB's config/thresholds.json: ``{detector: {profile: threshold}}``."""
    root = resolve_nab_dir(data_dir)
    raw = json.loads((root / "reference_detectors" / "thresholds.json").read_text())
    return {det: {prof: float(v["threshold"]) for prof, v in profs.items()} for det, profs in raw.items()}

"""A CronJob's runs: the Jobs it made, oldest first, each carrying the template it ran (its images) and its outcome.
A CronJob keeps no revisions, so its runs are its history."""

from __future__ import annotations

from .ask import Ask


async def runs_of(ask: Ask, namespace: str, cronjob: str) -> list[dict]:
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job", "namespace": namespace, "limit": 500})
    return sorted((j for j in (listed.data or {}).get("items") or [] if j.get("cronjob") == cronjob),
                  key=lambda j: str(j.get("created")))


def run_state(job: dict) -> str:
    """A Job row's outcome from its pod counts."""
    if job.get("failed") and not job.get("succeeded"):
        return "Failed"
    return "Complete" if job.get("succeeded") else "running" if job.get("active") else "not started"


def run_line(job: dict) -> str:
    return f"run {job.get('name')} ({job.get('created')}): {run_state(job)}, images {job.get('images')}"

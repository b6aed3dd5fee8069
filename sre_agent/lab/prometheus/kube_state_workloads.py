"""kube-state-metrics' workload series: Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and
HorizontalPodAutoscalers, read from their spec and the status their controllers write (world/controllers/). Most are
one number from the object, so each kind is a table: series name, HELP, the field it reads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import Metric

from ..aws.prometheus_metrics import sample_jobs
from ..world.clock import parse_rfc3339
from .families import CONDITION_STATUSES, condition_status, from_cloudwatch, gauges, one_hot

if TYPE_CHECKING:
    from ..world.world import World

Field = tuple[str, str, tuple[str, ...], float | None]  # (series, HELP, path in the object, default when unset)

DEPLOYMENT: list[Field] = [
    ("kube_deployment_spec_replicas", "Number of desired pods for a deployment.", ("spec", "replicas"), 1),
    ("kube_deployment_status_replicas", "The number of replicas per deployment.", ("status", "replicas"), 0),
    ("kube_deployment_status_replicas_ready", "The number of ready replicas per deployment.",
     ("status", "readyReplicas"), 0),
    ("kube_deployment_status_replicas_available", "The number of available replicas per deployment.",
     ("status", "availableReplicas"), 0),
    ("kube_deployment_status_replicas_unavailable", "The number of unavailable replicas per deployment.",
     ("status", "unavailableReplicas"), 0),
    ("kube_deployment_status_replicas_updated", "The number of updated replicas per deployment.",
     ("status", "updatedReplicas"), 0),
    ("kube_deployment_metadata_generation", "Sequence number representing a specific generation of the desired state.",
     ("metadata", "generation"), 0),
    ("kube_deployment_status_observed_generation", "The generation observed by the deployment controller.",
     ("status", "observedGeneration"), 0),
]
STATEFULSET: list[Field] = [
    ("kube_statefulset_replicas", "Number of desired pods for a StatefulSet.", ("spec", "replicas"), 1),
    ("kube_statefulset_status_replicas", "The number of replicas per StatefulSet.", ("status", "replicas"), 0),
    ("kube_statefulset_status_replicas_ready", "The number of ready replicas per StatefulSet.",
     ("status", "readyReplicas"), 0),
    ("kube_statefulset_status_replicas_available", "The number of available replicas per StatefulSet.",
     ("status", "availableReplicas"), 0),
    ("kube_statefulset_status_replicas_current", "The number of current replicas per StatefulSet.",
     ("status", "currentReplicas"), 0),
    ("kube_statefulset_status_replicas_updated", "The number of updated replicas per StatefulSet.",
     ("status", "updatedReplicas"), 0),
    ("kube_statefulset_metadata_generation", "Sequence number representing a specific generation of the desired "
     "state for the StatefulSet.", ("metadata", "generation"), 0),
    ("kube_statefulset_status_observed_generation", "The generation observed by the StatefulSet controller.",
     ("status", "observedGeneration"), 0),
]
DAEMONSET: list[Field] = [
    ("kube_daemonset_status_desired_number_scheduled", "The number of nodes that should be running the daemon pod.",
     ("status", "desiredNumberScheduled"), 0),
    ("kube_daemonset_status_current_number_scheduled", "The number of nodes running at least one daemon pod and are "
     "supposed to.", ("status", "currentNumberScheduled"), 0),
    ("kube_daemonset_status_number_misscheduled", "The number of nodes running a daemon pod but are not supposed to.",
     ("status", "numberMisscheduled"), 0),
    ("kube_daemonset_status_number_ready", "The number of nodes that should be running the daemon pod and have one "
     "or more of the daemon pod running and ready.", ("status", "numberReady"), 0),
    ("kube_daemonset_status_number_available", "The number of nodes that should be running the daemon pod and have "
     "one or more of the daemon pod running and available", ("status", "numberAvailable"), 0),
    ("kube_daemonset_status_number_unavailable", "The number of nodes that should be running the daemon pod and have "
     "none of the daemon pod running and available", ("status", "numberUnavailable"), 0),
    ("kube_daemonset_status_updated_number_scheduled", "The total number of nodes that are running updated daemon pod",
     ("status", "updatedNumberScheduled"), 0),
    ("kube_daemonset_metadata_generation", "Sequence number representing a specific generation of the desired state.",
     ("metadata", "generation"), 0),
    ("kube_daemonset_status_observed_generation", "The most recent generation observed by the daemon set controller.",
     ("status", "observedGeneration"), 0),
]
JOB: list[Field] = [
    ("kube_job_spec_completions", "The desired number of successfully finished pods the job should be run with.",
     ("spec", "completions"), None),
    ("kube_job_spec_parallelism", "The maximum desired number of pods the job should run at any given time.",
     ("spec", "parallelism"), None),
]
CRONJOB: list[Field] = [
    ("kube_cronjob_spec_suspend", "Suspend flag tells the controller to suspend subsequent executions.",
     ("spec", "suspend"), 0),
]
HPA: list[Field] = [
    ("kube_horizontalpodautoscaler_spec_min_replicas", "Lower limit for the number of pods that can be set by the "
     "autoscaler, default 1.", ("spec", "minReplicas"), 1),
    ("kube_horizontalpodautoscaler_spec_max_replicas", "Upper limit for the number of pods that can be set by the "
     "autoscaler; cannot be smaller than MinReplicas.", ("spec", "maxReplicas"), None),
    ("kube_horizontalpodautoscaler_status_current_replicas", "Current number of replicas of pods managed by this "
     "autoscaler.", ("status", "currentReplicas"), 0),
    ("kube_horizontalpodautoscaler_status_desired_replicas", "Desired number of replicas of pods managed by this "
     "autoscaler.", ("status", "desiredReplicas"), 0),
]
# kind -> (its name label, its field table)
KINDS: dict[str, tuple[str, list[Field]]] = {
    "Deployment": ("deployment", DEPLOYMENT), "StatefulSet": ("statefulset", STATEFULSET),
    "DaemonSet": ("daemonset", DAEMONSET), "Job": ("job_name", JOB), "CronJob": ("cronjob", CRONJOB),
    "HorizontalPodAutoscaler": ("horizontalpodautoscaler", HPA),
}
JOB_STATUS = [("kube_job_status_active", "The number of actively running pods."),
              ("kube_job_status_succeeded", "The number of pods which reached Phase Succeeded."),
              ("kube_job_status_failed", "The number of pods which reached Phase Failed.")]
CONDITIONS = [
    ("kube_deployment_status_condition", "The current status conditions of a deployment.", "Deployment", "deployment"),
    ("kube_job_complete", "The job has completed its execution.", "Job", "job_name"),
    ("kube_job_failed", "The job has failed its execution.", "Job", "job_name"),
]


def _read(obj: dict, path: tuple[str, ...]) -> float | None:
    """The number at `path` (a flag counts 0 or 1), None when unset."""
    value: object = obj
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def workload_families(world: World, at: datetime) -> list[Metric]:
    families = gauges([(series, doc, ["namespace", label]) for label, table in KINDS.values()
                       for series, doc, _, _ in table])
    for kind, (_, table) in KINDS.items():
        for obj in world.list(kind):
            ids = [obj["metadata"]["namespace"], obj["metadata"]["name"]]
            for series, _, path, default in table:
                value = _read(obj, path)
                value = default if value is None else value
                if value is not None:  # unset with no default: kube-state-metrics writes no series
                    families[series].add_metric(ids, value)
    jobs = gauges([(series, doc, ["namespace", "job_name"]) for series, doc in JOB_STATUS])
    from_cloudwatch(sample_jobs, world, jobs, ["namespace", "job_name"], at)  # what CloudWatch gets, one computation
    conditions = gauges([(series, doc, ["namespace", label, "condition"] if kind == "Job" else
                          ["namespace", label, "condition", "status"]) for series, doc, kind, label in CONDITIONS])
    for deploy in world.list("Deployment"):
        for condition in (deploy.get("status") or {}).get("conditions") or []:
            one_hot(conditions["kube_deployment_status_condition"],
                    [deploy["metadata"]["namespace"], deploy["metadata"]["name"], condition["type"]],
                    condition_status(condition.get("status")), CONDITION_STATUSES)
    for job in world.list("Job"):
        ids = [job["metadata"]["namespace"], job["metadata"]["name"]]
        for condition in (job.get("status") or {}).get("conditions") or []:
            if condition["type"] in ("Complete", "Failed"):
                series = "kube_job_complete" if condition["type"] == "Complete" else "kube_job_failed"
                one_hot(conditions[series], ids, condition_status(condition.get("status")), CONDITION_STATUSES)
    return [*families.values(), *jobs.values(), *conditions.values(), *_cronjob_families(world)]


def _cronjob_families(world: World) -> list[Metric]:
    families = gauges([
        ("kube_cronjob_info", "Info about cronjob.", ["namespace", "cronjob", "schedule", "concurrency_policy"]),
        ("kube_cronjob_status_active", "Active holds pointers to currently running jobs.", ["namespace", "cronjob"]),
        ("kube_cronjob_status_last_schedule_time", "LastScheduleTime keeps information of when was the last time the "
         "job was successfully scheduled.", ["namespace", "cronjob"]),
    ])
    for cron in world.list("CronJob"):
        ids = [cron["metadata"]["namespace"], cron["metadata"]["name"]]
        spec, status = cron["spec"], cron.get("status") or {}
        families["kube_cronjob_info"].add_metric([*ids, spec.get("schedule", ""), spec.get("concurrencyPolicy", "Allow")], 1.0)
        families["kube_cronjob_status_active"].add_metric(ids, float(len(status.get("active") or [])))
        if status.get("lastScheduleTime"):
            families["kube_cronjob_status_last_schedule_time"].add_metric(ids, parse_rfc3339(status["lastScheduleTime"]).timestamp())
    return list(families.values())

"""The lab's one-line verdicts on its pods (`Lab.status()`, `sre-agent lab status`): every pod that is
not serving, with why. A Succeeded pod is done; a Failed one (a Job's try that exited non-zero, a pod
whose init container failed under restartPolicy Never) is finished too -- reported as failed with the
STATUS `kubectl get pods` prints for it, never as "not ready"; a pod held by an init container with the STATUS
kubectl prints (`Init:CrashLoopBackOff`, `Init:ErrImagePull`, `Init:0/1`), not its app's PodInitializing."""

from __future__ import annotations

from datetime import datetime

from ..kube.printers import pod_summary


def unhealthy_pod_lines(pods: list[dict], now: datetime) -> list[str]:
    lines = []
    for pod in pods:
        where = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Succeeded":
            continue  # a Job's finished pod: done, not unhealthy
        if phase == "Failed":
            lines.append(f"{where}: Failed ({pod_summary(pod, now)[1]})")
            continue
        printed = pod_summary(pod, now)[1]
        if printed.startswith("Init:") and phase == "Pending":  # what holds the pod is an init container
            lines.append(f"{where}: {printed}")
            continue
        for status in pod["status"].get("containerStatuses") or []:
            waiting = (status.get("state") or {}).get("waiting")
            if waiting or not status.get("ready"):
                lines.append(f"{where}: {(waiting or {}).get('reason') or 'not ready'}")
                break
        else:
            if phase == "Pending":
                lines.append(f"{where}: Pending")
    return lines

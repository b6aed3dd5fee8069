"""run_analyzers on a 5,000-pod cluster finds what is wrong in it and nothing else. How long it takes is
measured in bench/bench_analyze.py (never in a test: tests must pass on a busy machine); every lookup an
analyzer makes per object (events, owners, pods behind a Service) goes through an index built once per view."""

from __future__ import annotations

from mcp_servers.kubernetes.analyzers import ClusterView, kinds_to_fetch, run_analyzers
from tests.analyzer_cases.builders import (
    address,
    condition,
    configmap,
    container,
    deployment,
    endpoints,
    event,
    hpa,
    last_terminated,
    network_policy,
    node,
    pdb,
    pod,
    replicaset,
    running,
    service,
    waiting,
)

NAMESPACES = 20
APPS_PER_NAMESPACE = 25
PODS_PER_APP = 10  # 20 x 25 x 10 = 5,000 pods


def synthetic_cluster() -> ClusterView:
    """5,000 pods behind 500 Deployments and Services, with the events, configs, policies and
    nodes that come with them; apps 0, 10 and 20 of each namespace crashing, one Service in 25 mis-selecting."""
    objects: list[dict] = [node(f"node-{i:02d}", conditions=[condition("Ready", "True")]) for i in range(50)]
    for n in range(NAMESPACES):
        namespace = f"team-{n:02d}"
        for a in range(APPS_PER_NAMESPACE):
            app, rs = f"app-{a:02d}", f"app-{a:02d}-5d8f7"
            crashing = a % 10 == 0
            mis_selecting = a == 7  # one Service in 25 points at labels no pod carries
            containers = [container("app", envFrom=[{"configMapRef": {"name": f"{app}-config"}}],
                                    resources={"requests": {"cpu": "100m"}})]
            ready = 0 if crashing else PODS_PER_APP
            objects += [
                deployment(app, namespace, replicas=PODS_PER_APP, containers=containers,
                           status={"replicas": PODS_PER_APP, "readyReplicas": ready, "availableReplicas": ready}),
                replicaset(rs, namespace, replicas=PODS_PER_APP, owner=app, labels={"app": app},
                           status={"replicas": PODS_PER_APP}),
                configmap(f"{app}-config", namespace, data={"LOG_LEVEL": "info"}),
                service(app, namespace, selector={"app": f"{app}-old" if mis_selecting else app}),
                hpa(app, namespace, target_name=app),
                pdb(app, namespace, selector={"matchLabels": {"app": app}}, min_available=1,
                    conditions=[condition("DisruptionAllowed", "True", "SufficientPods")]),
                network_policy(app, namespace, pod_selector={"matchLabels": {"app": app}}),
            ]
            addresses = []
            for p in range(PODS_PER_APP):
                name = f"{rs}-{p:05d}"
                status = (waiting("app", "CrashLoopBackOff", restarts=9, last=last_terminated("Error", 1))
                          if crashing else running("app"))
                objects.append(pod(name, namespace, labels={"app": app, "tier": "backend"}, owner=("ReplicaSet", rs),
                                   containers=containers, statuses=[status], ready=not crashing))
                objects.append(event("Pod", name, namespace, "Started", "Started container app", type_="Normal"))
                addresses.append(address(name, f"10.{n}.{a}.{p}"))
            objects.append(endpoints(app, namespace, ready=None if crashing or mis_selecting else addresses,
                                     not_ready=addresses if crashing else None))
    return ClusterView.from_objects(objects, fetched_kinds=kinds_to_fetch())


def test_five_thousand_pods_yield_the_planted_faults() -> None:
    view = synthetic_cluster()
    assert len(view.of_kind("Pod")) == 5000
    findings = run_analyzers(view)
    by_reason: dict[str, set[str]] = {}
    for finding in findings:
        by_reason.setdefault(finding.reason, set()).add(finding.resource)
    # 60 crashing apps (app-00, -10, -20 in each namespace), 20 mis-selecting Services (one per namespace); pods declare no ports,
    # so no targetPort verdict is possible and none is given.
    assert len({r.split("/")[0] + "/" + r.split("/")[2].rsplit("-", 2)[0] for r in by_reason["CrashLoopBackOff"]}) == 60
    assert len(by_reason["SelectorMismatch"]) == NAMESPACES
    assert len(by_reason["EndpointsNotReady"]) == 60
    assert "TargetPortMismatch" not in by_reason and "ReplicasMismatch" in by_reason

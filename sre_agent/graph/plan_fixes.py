"""A pinned plan that was not run -- rejected, not allowed, or held because it would reverse a change made on purpose
(graph/intent.py) -- written as the kubectl command a human would run, with what they must confirm first."""

from __future__ import annotations

import json

from ..contracts import ProposedFix, resource_id
from .endpoint_fixes import in_place_command
from .kubectl_words import KUBECTL_KIND
from .kubectl_words import namespace_flag as _ns
from .pinning import OBJECT_OF
from .renamed_refs import repoint_command
from .state import RemediationPlan

PROBE_FIELDS = {"timeout_seconds": "timeoutSeconds", "period_seconds": "periodSeconds", "failure_threshold": "failureThreshold"}


def plan_fix(plan: RemediationPlan) -> list[ProposedFix]:
    """A plan that was not run (not allowed, rejected, not verified): as the command a human would run."""
    args = plan.args
    namespace, name = args.get("namespace", ""), args.get("name", "")
    kind = OBJECT_OF.get(plan.tool) or str(args.get("kind") or "Deployment")
    word = KUBECTL_KIND.get(kind, kind.lower())
    command = {
        "rollout_undo": f"kubectl {_ns(namespace)}rollout undo {word}/{name}"
                        + (f" --to-revision={args['to_revision']}" if args.get("to_revision") else ""),
        "rollout_restart": f"kubectl {_ns(namespace)}rollout restart {word}/{name}",
        "scale": f"kubectl {_ns(namespace)}scale {word}/{name} --replicas={args.get('replicas')}",
        "set_image": f"kubectl {_ns(namespace)}set image {word}/{name} {args.get('container')}={args.get('image')}",
        "delete_pod": f"kubectl {_ns(namespace)}delete pod {name}",
        "cordon": f"kubectl cordon {args.get('node')}", "uncordon": f"kubectl uncordon {args.get('node')}",
        "raise_quota": f"kubectl {_ns(namespace)}patch resourcequota {name} --type merge -p "
                       f"'{json.dumps({'spec': {'hard': args.get('hard')}})}'",
        "raise_hpa_max": f"kubectl {_ns(namespace)}patch hpa {name} --type merge -p "
                         f"'{json.dumps({'spec': {'maxReplicas': args.get('max_replicas')}})}'",
        "set_service_selector": f"kubectl {_ns(namespace)}patch service {name} --type merge -p "
                                f"'{json.dumps({'spec': {'selector': args.get('selector')}})}'",
        # a strategic-merge patch (kubectl's default) merges Service ports by `port`: the others stay
        "set_service_target_port": f"kubectl {_ns(namespace)}patch service {name} -p '"
                                   + json.dumps({"spec": {"ports": [{"port": args.get("port"),
                                                                     "targetPort": args.get("target_port")}]}}) + "'",
        "remove_node_taint": f"kubectl taint nodes {args.get('node')} {args.get('key')}:{args.get('effect')}-",
        "relax_probe": f"kubectl {_ns(namespace)}patch {word} {name} -p '" + json.dumps({"spec": {"template": {"spec": {
            "containers": [{"name": args.get("container"), f"{args.get('probe', 'liveness')}Probe": {
                field: args[arg] for arg, field in PROBE_FIELDS.items() if args.get(arg) is not None}}]}}}}) + "'",
        "add_pull_secret": f"kubectl {_ns(namespace)}patch {word} {name} -p '" + json.dumps({"spec": {"template": {"spec": {
            "imagePullSecrets": [{"name": args.get("secret_name")}]}}}}) + "'",
        "expand_claim": f"kubectl {_ns(namespace)}patch pvc {name} -p '"
                        + json.dumps({"spec": {"resources": {"requests": {"storage": args.get("size")}}}}) + "'",
        "set_config_value": in_place_command(namespace, "ConfigMap", name, str(args.get("key")), args["edit"])
                            if args.get("edit") else f"kubectl {_ns(namespace)}patch configmap {name} --type merge -p '"
                            + json.dumps({"data": {args.get("key"): args.get("value")}}) + "'",
        "stop_cronjob_pileup": f"kubectl {_ns(namespace)}patch cronjob {name} --type merge -p "
                               f"'{json.dumps({'spec': {'concurrencyPolicy': 'Forbid'}})}'",
        "set_cronjob_image": f"kubectl {_ns(namespace)}set image cronjob/{name} {args.get('container')}={args.get('image')}",
        "resume_cronjob": f"kubectl {_ns(namespace)}patch cronjob {name} --type merge -p "
                          f"'{json.dumps({'spec': {'suspend': False}})}'",
        "set_key_reference": repoint_command(namespace, kind, name, str(args.get("source_kind")), str(args.get("key")),
                                             str(args.get("renamed_to"))),
    }.get(plan.tool)
    if command is None:
        return []
    then = [f"kubectl {_ns(namespace)}rollout restart {KUBECTL_KIND.get(str(args.get('restart_kind')), 'deployment')}/{reader}"
            for reader in args.get("restart") or []] if plan.tool == "set_config_value" else []
    if plan.tool == "stop_cronjob_pileup" and args.get("stuck_runs"):
        then = [f"kubectl {_ns(namespace)}delete job {' '.join(args['stuck_runs'])}"]
    if plan.tool in ("set_cronjob_image", "set_key_reference") and (args.get("rerun_stuck") or args.get("run_now")):  # run now
        then = [f"kubectl {_ns(namespace)}delete job {' '.join(args['rerun_stuck'])}"] if args.get("rerun_stuck") else []
        then.append(f"kubectl {_ns(namespace)}create job {name}-fix --from=cronjob/{name}")
    if plan.tool == "resume_cronjob" and args.get("run_now"):
        then = [f"kubectl {_ns(namespace)}create job {name}-resumed --from=cronjob/{name}"]
    held = f" -- held, not run: {plan.held}" if plan.held else ""  # a change made on purpose: a human confirms first
    return [ProposedFix(resource=plan.resource or resource_id(kind, name, namespace),
                        summary=f"{plan.tool} (runbook {plan.runbook}): {plan.rationale[:200]}{held}", commands=[command, *then],
                        needs=plan.held)]

"""`kubectl rollout undo` in the lab: the pod template of the revision to go back to."""

from __future__ import annotations

import copy

from .kube.errors import ApiError
from .kube.store import ObjectStore
from .world.controllers.common import TEMPLATE_HASH, owned_by
from .world.controllers.deployment import REVISION


def previous_template(store: ObjectStore, deploy: dict, to_revision: int | None = None) -> dict:
    """kubectl rollout undo: the template of the wanted (default: previous) revision -- a
    Deployment's ReplicaSets, a DaemonSet's or StatefulSet's ControllerRevisions."""
    if deploy["kind"] in ("DaemonSet", "StatefulSet"):
        owned = [cr for cr in store.list("ControllerRevision", deploy["metadata"]["namespace"]) if owned_by(cr, deploy)]
        revisions = sorted(((int(cr.get("revision", 0)), {"spec": {"template": {
            k: v for k, v in cr["data"]["spec"]["template"].items() if k != "$patch"}}}) for cr in owned),
            key=lambda item: item[0])
    else:
        owned = [rs for rs in store.list("ReplicaSet", deploy["metadata"]["namespace"]) if owned_by(rs, deploy)]
        revisions = sorted(((int(rs["metadata"].get("annotations", {}).get(REVISION, 0)), rs) for rs in owned),
                           key=lambda item: item[0])
    if len(revisions) < 2 and to_revision is None:
        raise ApiError(400, "BadRequest", f'no rollout history found for {deploy["kind"].lower()} "{deploy["metadata"]["name"]}"')
    if to_revision is None:
        target = revisions[-2][1]
    else:
        target = next((rs for rev, rs in revisions if rev == to_revision), None)
        if target is None:
            raise ApiError(404, "NotFound", f"unable to find specified revision {to_revision} in history")
    template = copy.deepcopy(target["spec"]["template"])
    (template.get("metadata") or {}).get("labels", {}).pop(TEMPLATE_HASH, None)
    return template

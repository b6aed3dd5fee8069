"""A pull the registry refused for want of credentials (image_pull_auth): the image exists, the pod did not
present a credential the registry accepts. Read from the runtime's words (401, "no basic auth credentials",
"authorization failed", "pull access denied", "denied: ...") and the kubelet's FailedToRetrieveImagePullSecret,
then from the pod: which imagePullSecrets it names, which exist, and which registry credentials in its namespace
cover the image's registry -- so the fix names the Secret to reference, or says one must be created."""

from __future__ import annotations

import re

from ...quoting import clip
from .calls import Calls

REFUSED_PULL = re.compile(r"no basic auth credentials|authorization failed|401 Unauthorized|403 Forbidden|"
                          r"pull access denied|requested access to the resource is denied|denied: |unauthorized", re.I)
MISSING_PULL_SECRET = re.compile(r"Unable to retrieve some image pull secrets \(([^)]*)\)")


def registry_of(image: str) -> str:
    """'1234.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2' -> its host; Docker Hub's for a bare name."""
    first = image.split("/", 1)[0]
    return first if "/" in image and ("." in first or ":" in first or first == "localhost") else "docker.io"


def _covers(registry_key: str, registry: str) -> bool:
    host = re.sub(r"^https?://", "", registry_key).split("/", 1)[0]
    pattern = "^" + re.escape(host).replace(r"\*", r"[^.]+") + "$"
    return bool(re.match(pattern, registry)) or host in ("index.docker.io", "docker.io") and registry == "docker.io"


async def pull_credentials(namespace: str, pod: dict, workload: str, image: str, message: str, events: list[dict],
                           ev: str, calls: Calls) -> None:
    missing = sorted({name.strip() for e in events for m in [MISSING_PULL_SECRET.search(e.get("message") or "")] if m
                      for name in m.group(1).split(",") if name.strip()})
    if not REFUSED_PULL.search(message) and not missing:
        return
    named = [ref.get("name") for ref in (pod.get("spec") or {}).get("imagePullSecrets") or [] if ref.get("name")]
    registry = registry_of(image)
    listed, ev_secrets = await calls("get_resources", kind="Secret", namespace=namespace)
    covering = sorted(item["name"] for item in (listed or {}).get("items") or []
                      if any(_covers(key, registry) for key in item.get("registries") or []))
    candidates = [name for name in covering if name not in named]
    why = (f"names pull Secret(s) {', '.join(missing)} that do not exist" if missing else
           "names no imagePullSecrets" if not named else f"presents {', '.join(named)}, which the registry refuses")
    calls.find(workload, "PullCredentialsMissing",
               f"{workload}'s pods cannot pull {image}: the registry {registry} refused them ({clip(message, 160)}); the pod "
               f"{why}; registry credentials in {namespace} for {registry}: {', '.join(covering) or 'none'}",
               [ev, ev_secrets], severity="critical", image=image, registry=registry, pull_secrets=named,
               missing_secrets=missing, candidates=candidates, covering=covering)

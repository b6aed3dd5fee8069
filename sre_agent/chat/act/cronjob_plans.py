"""A CronJob's image or limits changed (its job template's: every later run uses it). No MCP tool writes a CronJob, so
each is the kubectl a human runs after approval (BY_HAND)."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..answer.objects import pod_spec_of
from .plans import BY_HAND, Plan, image_asked, resources_asked


def cronjob_resources_plan(rid: str, container: str, which: str, resource: str, current: str | None,
                           quantity: str) -> Plan:
    """A CronJob's memory or CPU (its job template's: every later run uses it): no MCP tool writes a CronJob."""
    namespace, _, name = parse_resource_id(rid)
    return Plan(BY_HAND, {"kind": "CronJob", "name": name, "namespace": namespace or "", "container": container,
                          which: {resource: quantity}},
                f"CronJob {name} container {container}: {resource} {which[:-1]} {current} -> {quantity} (the next runs use it)",
                f"kubectl set resources cronjob/{name} -n {namespace} -c {container} --{which}={resource}={quantity}",
                f"{resource} {which[:-1]} {current}",
                ["No MCP tool writes a CronJob: a human runs the command after approval; runs already started keep "
                 "their resources."])


def cronjob_image_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """A CronJob's image (its job template's; every later run uses it): no MCP tool writes a CronJob, so the
    kubectl a human runs after approval."""
    namespace, _, name = parse_resource_id(rid)
    wanted = image_asked(question, pod_spec_of("CronJob", obj).get("containers") or [])
    if wanted is None:
        return "Say which image (e.g. 'set its image to repo/app:1.2.3')"
    container, image = wanted
    cname = container.get("name") or name
    return Plan(BY_HAND, {"kind": "CronJob", "name": name, "namespace": namespace, "container": cname, "image": image},
                f"CronJob {name} container {cname}: image {container.get('image')} -> {image} (the next runs use it)",
                f"kubectl set image cronjob/{name} {cname}={image} -n {namespace}", f"image {container.get('image')}",
                ["No MCP tool writes a CronJob: a human runs the command after approval; runs already started keep "
                 "their image."])


def cronjob_resources(question: str, rid: str, obj: dict) -> Plan | str:
    container: dict = next(iter(pod_spec_of("CronJob", obj).get("containers") or []), {})
    asked = resources_asked(question, container)
    if isinstance(asked, str):
        return asked
    resource, which, quantity, current = asked
    return cronjob_resources_plan(rid, container.get("name") or parse_resource_id(rid)[2], which, resource, current, quantity)

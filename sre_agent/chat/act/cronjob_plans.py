"""A CronJob's image or limits changed (its job template's: every later run uses it). The image is set_cronjob_image's
(pinned to the image the template names now; a run started from the fixed template when the request asks for one);
its resources are the kubectl a human runs after approval (BY_HAND: no MCP tool changes a CronJob's resources)."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..answer.objects import pod_spec_of
from .plans import BY_HAND, Plan, image_asked, other_part, resources_asked


def cronjob_resources_plan(rid: str, container: dict, which: str, resource: str, quantity: str, second: str | None) -> Plan:
    """A CronJob's memory or CPU (its job template's: every later run uses it): no MCP tool writes a CronJob. Both parts
    when the request says both ("request to 1 and limit to 2") -- never one half silently dropped."""
    namespace, _, name = parse_resource_id(rid)
    cname = container.get("name") or name
    other = "limits" if which == "requests" else "requests"
    both = {which: {resource: quantity}, **({other: {resource: second}} if second else {})}
    now = {part: ((container.get("resources") or {}).get(part) or {}).get(resource) for part in both}
    change = ", ".join(f"{resource} {part[:-1]} {now[part]} -> {values[resource]}" for part, values in both.items())
    return Plan(BY_HAND, {"kind": "CronJob", "name": name, "namespace": namespace or "", "container": cname, **both},
                f"CronJob {name} container {cname}: {change} (the next runs use it)",
                f"kubectl set resources cronjob/{name} -n {namespace} -c {cname} "
                + " ".join(f"--{part}={resource}={values[resource]}" for part, values in both.items()),
                ", ".join(f"{resource} {part[:-1]} {now[part]}" for part in both),
                ["No MCP tool writes a CronJob: a human runs the command after approval; runs already started keep "
                 "their resources."])


# "and kick off a run", "trigger it", "run it now", "rerun": a run from the fixed template now, not at the next schedule
# "create a job from the cronjob", "just create the job again", "recreate the hollybrook job", "run it now": a new run
# asked for (writes.VERBS reads a request whose whole change is one with it)
RERUN_ASKED = (r"\b(re-?run|re-?trigger|kick\s+(\S+\s+)?off|trigger|create\s+(\S+\s+){0,3}again)\b|"
               r"^\W*((please|ok|okay|just|then|so)\s+)*re-?create\b|"  # "recreate the job", not "delete X, then re-create"
               r"\bcreate\s+(a\s+|the\s+|one\s+)?(new\s+)?job\s+from\b|\brun\s+(it|the\s+[\w-]+|one)?\s*now\b")
# ... and, beside a change of the template ("set the image to 2.7.0 and start a run"), a run from it after
RUN_ASKED = re.compile(RERUN_ASKED + r"|\b(?:run it again|(?:a|one) (?:manual |new )?run(?! of)|start (?:a|one) (?:run|job))\b",
                       re.I)


def cronjob_image_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """A CronJob's image (its job template's; every later run uses it): set_cronjob_image, from the image its template
    names now -- with a run started from the fixed template when the request asks for one."""
    namespace, _, name = parse_resource_id(rid)
    wanted = image_asked(question, pod_spec_of("CronJob", obj).get("containers") or [])
    if wanted is None:
        return "Say which image (e.g. 'set its image to repo/app:1.2.3')"
    container, image = wanted
    cname, run_now = container.get("name") or name, bool(RUN_ASKED.search(question))
    kubectl = f"kubectl set image cronjob/{name} {cname}={image} -n {namespace}"
    return Plan("set_cronjob_image", {"namespace": namespace, "name": name, "container": cname, "image": image,
                                      "run_now": run_now, "expect_image": container.get("image"), "reason": question[:200]},
                f"CronJob {name} container {cname}: image {container.get('image')} -> {image} (the next runs use it"
                + ("; one run started now from the fixed template)" if run_now else ")"),
                kubectl + (f" && kubectl create job {name}-fix --from=cronjob/{name} -n {namespace}" if run_now else ""),
                f"image {container.get('image')}",
                ["Runs already started keep their image." + ("" if run_now else " Say 'and run it now' to start a run "
                                                             "from the fixed template instead of waiting for the schedule.")])


def cronjob_resources(question: str, rid: str, obj: dict) -> Plan | str:
    container: dict = next(iter(pod_spec_of("CronJob", obj).get("containers") or []), {})
    asked = resources_asked(question, container)
    if isinstance(asked, str):
        return asked
    resource, which, quantity, _ = asked
    return cronjob_resources_plan(rid, container, which, resource, quantity, other_part(question, which, resource))

"""The contracts every part of sre-agent shares: resource ids, root-cause categories, incidents,
findings, tool-call evidence and the investigation result. The lab, the evaluation harness, the graph and the CLI all import these
from here, so there is one definition of each."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field


class RootCauseCategory(StrEnum):
    """The closed list of root causes: the typed face of sre_agent/categories.yaml (a test keeps the two equal;
    add a category there, with its root, words and fix recipe, then here).

    The root-cause *resource* rule, shared by the scenario catalog and the evaluation harness:
    point at the one object whose change makes the fault clear --
      * the workload (Deployment, StatefulSet, DaemonSet, Job) whose pod template or whose own
        dependency reference is wrong (bad_image, crash_missing_config, missing_config_ref,
        oom_killed, memory_leak, cpu_throttling, unschedulable, probe_misconfig,
        bad_deploy_regression);
      * the Service whose selector matches nothing (service_selector_mismatch);
      * the Service whose port does not reach what its pods listen on -- a targetPort (number or
        name) no selected container serves (service_port_mismatch);
      * the upstream workload when a dependency fails (dependency_failure), never the alarmed
        downstream service;
      * the object holding a caller's endpoint when it names a host no Service has or a port the
        Service does not expose (endpoint_misconfigured): the ConfigMap or Secret whose key holds
        the value, or the caller's workload when its pod template writes the value;
      * the workload whose running pods present a credential its dependency no longer accepts --
        a password or token rotated where it is checked while the pods still hold the old value
        (stale_credential); the dependency is not at fault;
      * the workload whose pods cannot pull a private image for want of registry credentials --
        no, a wrong or a missing `imagePullSecrets` Secret (image_pull_auth), not bad_image: the
        image exists;
      * the Node for a node fault (node_failure);
      * the PersistentVolumeClaim for storage that cannot bind (pvc_pending) or that is full
        (volume_full);
      * the ResourceQuota for quota (quota_exceeded);
      * nothing (resource "") for `none`.
    """

    BAD_IMAGE = "bad_image"
    CRASH_MISSING_CONFIG = "crash_missing_config"
    MISSING_CONFIG_REF = "missing_config_ref"
    OOM_KILLED = "oom_killed"
    MEMORY_LEAK = "memory_leak"
    CPU_THROTTLING = "cpu_throttling"
    UNSCHEDULABLE = "unschedulable"
    PROBE_MISCONFIG = "probe_misconfig"
    SERVICE_SELECTOR_MISMATCH = "service_selector_mismatch"
    SERVICE_PORT_MISMATCH = "service_port_mismatch"
    DEPENDENCY_FAILURE = "dependency_failure"
    ENDPOINT_MISCONFIGURED = "endpoint_misconfigured"
    STALE_CREDENTIAL = "stale_credential"
    IMAGE_PULL_AUTH = "image_pull_auth"
    BAD_DEPLOY_REGRESSION = "bad_deploy_regression"
    NODE_FAILURE = "node_failure"
    PVC_PENDING = "pvc_pending"
    VOLUME_FULL = "volume_full"
    QUOTA_EXCEEDED = "quota_exceeded"
    NONE = "none"


CATEGORIES: tuple[str, ...] = tuple(c.value for c in RootCauseCategory)

CLUSTER_SCOPED_KINDS = frozenset(
    {"Node", "Namespace", "StorageClass", "IngressClass", "PersistentVolume", "PriorityClass", "ClusterRole",
     "ClusterRoleBinding", "CustomResourceDefinition"}
)


def resource_id(kind: str, name: str, namespace: str | None = None) -> str:
    """`namespace/Kind/name`, or `Kind/name` for cluster-scoped kinds."""
    if kind in CLUSTER_SCOPED_KINDS or not namespace:
        return f"{kind}/{name}"
    return f"{namespace}/{kind}/{name}"


def parse_resource_id(rid: str) -> tuple[str | None, str, str]:
    """Inverse of resource_id: returns (namespace or None, kind, name).

    Raises ValueError naming the id and the expected shape."""
    parts = rid.split("/")
    if len(parts) == 3 and all(parts):
        return parts[0], parts[1], parts[2]
    if len(parts) == 2 and all(parts):
        return None, parts[0], parts[1]
    raise ValueError(
        f"resource id {rid!r} is not of the form namespace/Kind/name or Kind/name "
        "(e.g. shop/Deployment/payment-api, Node/node-3)"
    )


# "healthy" is a verdict that needs positive evidence from every backend the question depends on;
# "unknown" is what is said instead when one of them could not be reached, refused, or timed out.
def parse_time(value: Any) -> datetime | None:
    """A timestamp from a tool result: RFC 3339 ("...Z" or "+00:00") or a datetime, always
    timezone-aware (a naive one is UTC, as the Kubernetes and AWS APIs mean it); None when absent
    or unparseable -- evidence with a bad timestamp is evidence without a time, not an error."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


IncidentStatus = Literal["remediated", "escalated", "answered", "healthy", "unknown"]
Backend = Literal["kubernetes", "cloudwatch", "ssm"]


class BackendCheck(BaseModel):
    """Whether one backend was actually seen: the evidence behind (or the hole in) a verdict."""

    backend: str  # an MCP server name: kubernetes, cloudwatch, ssm
    status: Literal["checked", "could_not_check", "not_asked"]
    calls_ok: int = 0
    calls_failed: int = 0
    reason: str = ""  # could_not_check: the first error that says why (unreachable, refused, timed out)

    def sentence(self) -> str:
        if self.status == "checked":
            return f"{self.backend}: checked ({self.calls_ok} call{'s' if self.calls_ok != 1 else ''})"
        if self.status == "not_asked":
            return f"{self.backend}: not asked"
        return f"could not check {self.backend}: {self.reason}"
Risk = Literal["low", "medium", "high"]


class Evidence(BaseModel):
    id: str
    source_tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    excerpt: str = ""


# What the servers show in place of a secret (mcp_servers/common/redaction.py, a program of its own): a value carrying it
# was shown masked, and writing it back would write the mask into the cluster.
MASK = "***redacted***"
# How a diagnosis of no fault in the cluster says the failing calls go to a host outside it (a vendor's gateway): its
# summary starts so, and the report, the status and chat read it -- the page goes to that host's owner, never "healthy".
OUTSIDE_THE_CLUSTER = "No root cause in the cluster"


class Diagnosis(BaseModel):
    category: RootCauseCategory = RootCauseCategory.NONE
    resource: str = ""
    summary: str = ""
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    # Whose verdict this is: "offline" (the deterministic analysis), "llm (<model>)", or "offline (over the model: why)"
    # when a model's weaker conclusion was overruled (brains/llm/arbiter.py).
    decided_by: str = ""


class Action(BaseModel):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    risk: Risk = "low"
    approved_by: str | None = None
    dry_run: bool = False
    result: str = ""
    verified: bool = False


class ModelSpend(BaseModel):
    """One model's share of a run: which steps it answered (`llm.triage_model` routes, `llm.diagnosis_model`
    investigates and concludes), its calls, tokens and dollars."""

    model: str  # provider:model-id
    steps: list[str] = []  # supervisor, kubernetes, metrics, logs, runbooks, diagnosis, chat
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


def merge_model_spend(earlier: list[ModelSpend], later: list[ModelSpend]) -> list[ModelSpend]:
    """Two accounts of model spend as one, model by model, first use first."""
    merged = {m.model: m.model_copy(deep=True) for m in earlier}
    for spend in later:
        mine = merged.setdefault(spend.model, ModelSpend(model=spend.model))
        mine.steps = list(dict.fromkeys([*mine.steps, *spend.steps]))
        mine.calls += spend.calls
        mine.input_tokens += spend.input_tokens
        mine.output_tokens += spend.output_tokens
        mine.cost_usd = round(mine.cost_usd + spend.cost_usd, 6)
    return list(merged.values())


class LlmUsage(BaseModel):
    brain: str = "offline"
    brain_reason: str | None = None  # why this brain and not the configured one (the service's LLM spend cap)
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    by_model: list[ModelSpend] = []  # each model's steps and spend (model tiering: triage vs diagnosis)


class ProposedFix(BaseModel):
    """A fix for a human to make: one the responder's write tools cannot express (it needs content only
    a human has -- a Secret's value, the intended selector -- or a write no tool offers), or one that
    was not run. Exactly which object it changes, and the commands, with `<...>` only where a human
    must supply something (`needs` says what)."""

    resource: str  # the object the fix changes, as a resource id
    summary: str
    commands: list[str] = Field(default_factory=list)
    needs: str = ""  # what only a human can supply; "" when the commands are complete as written
    evidence: list[str] = Field(default_factory=list)  # ToolCallRecord ids the fix rests on


class RecalledIncident(BaseModel):
    """A past incident the memory offered as a hypothesis -- never evidence: what it was, what was done about it and
    whether that held, and how it matched this one (sre_agent/memory)."""

    incident_id: str
    run_id: str
    when: datetime  # when that run finished
    category: str
    resource: str
    summary: str = ""
    fix: str = ""  # what was done ("rollout_undo on shop/Deployment/search: ...") or proposed; "" nothing
    fix_tool: str = ""
    fix_resource: str = ""
    verified: bool = False  # the fix was applied and the world checked back healthy
    status: str = ""  # that run's outcome: remediated, escalated, ...
    runbook: str | None = None  # the runbook that run followed
    # resource: the same root resource and category; alarm: the same alarm or alarmed object (recalled before the
    # investigation, its hypothesis checked first); evidence: the same evidence fingerprints on another resource.
    match: Literal["resource", "alarm", "evidence"] = "resource"
    shared: list[str] = Field(default_factory=list)  # the evidence fingerprints both incidents show
    fingerprints: list[str] = Field(default_factory=list)  # that incident's evidence, by kind (memory/fingerprints.py)
    confirmed: bool | None = None  # this run's diagnosis agrees with it; None: not diagnosed yet

    def sentence(self) -> str:
        fix = f"; {self.fix} -- {'verified' if self.verified else 'did not verify'}" if self.fix else "; no fix applied"
        return (f"{self.incident_id} ({self.when:%Y-%m-%d %H:%M} UTC): {self.category} on {self.resource}{fix}")


class ActionWindow(BaseModel):
    """When a team's rule applies: from `start` to `end` (HH:MM in `tz`; an end before the start runs past midnight)
    on `days` (0 = Monday)."""

    start: str = "00:00"
    end: str = "24:00"
    days: list[int] = Field(default_factory=lambda: list(range(7)))
    tz: str = "UTC"

    def covers(self, moment: datetime) -> bool:
        from zoneinfo import ZoneInfo

        local = moment.astimezone(ZoneInfo(self.tz))
        minute = local.hour * 60 + local.minute
        start, end = (int(t.split(":")[0]) * 60 + int(t.split(":")[1]) for t in (self.start, self.end))
        if start <= end:
            return local.weekday() in self.days and start <= minute < end
        # past midnight: the evening belongs to its day, the small hours to the day before
        return (local.weekday() in self.days and minute >= start) or \
            ((local.weekday() - 1) % 7 in self.days and minute < end)

    def sentence(self) -> str:
        days = "" if sorted(self.days) == list(range(7)) else " on " + ",".join(
            ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d] for d in sorted(self.days))
        hours = "" if (self.start, self.end) == ("00:00", "24:00") else f" {self.start}-{self.end} {self.tz}"
        return (hours + days).strip() or "always"


class TeamFact(BaseModel):
    """Something a person told the responder to remember (`sre-agent memory add`, or "remember that ..." in chat): a
    fact ("payments belongs to the ledger team") or a preference, scoped to a cluster, namespace or resource (empty:
    everywhere). A preference that forbids writes (`forbid`, in `window`) is enforced by the remediation policy."""

    id: str
    text: str
    cluster: str = ""
    namespace: str = ""
    resource: str = ""  # a resource id, or a bare name (any kind of that name)
    person: str = ""  # who said it
    created_at: datetime
    expires_at: datetime | None = None
    forbid: list[str] = Field(default_factory=list)  # write tools it keeps the responder from running ("*": all)
    window: ActionWindow | None = None  # when the prohibition holds; None: always

    def about(self, resource: str) -> bool:
        """Whether the fact's scope covers `resource` (a resource id)."""
        if self.namespace and not resource.startswith(f"{self.namespace}/"):
            return False
        if not self.resource:
            return True
        return resource == self.resource or ("/" not in self.resource and resource.rsplit("/", 1)[-1] == self.resource)

    def forbids(self, tool: str, resource: str, moment: datetime) -> bool:
        return bool(self.forbid) and ("*" in self.forbid or tool in self.forbid) and self.about(resource) and \
            (self.window is None or self.window.covers(moment))


class InvestigationResult(BaseModel):
    """What `sre-agent investigate --json` prints, the API returns and the eval harness reads."""

    incident_id: str  # the grouping key: every run for one alarm shares it
    run_id: str  # this investigation: its own LangGraph thread, report and result files
    status: IncidentStatus
    cluster: str | None = None  # the configured cluster it ran in (several configured); None: the one cluster
    diagnosis: Diagnosis = Field(default_factory=Diagnosis)
    actions: list[Action] = Field(default_factory=list)
    agents_invoked: list[str] = Field(default_factory=list)
    tool_calls: int = 0
    redacted: int = 0  # secret-shaped values the servers masked across the run's tool results
    llm: LlmUsage = Field(default_factory=LlmUsage)
    duration_s: float = 0.0
    time_to_diagnosis_s: float | None = None
    trace_id: str | None = None
    report_path: str | None = None
    coverage: list[BackendCheck] = Field(default_factory=list)  # which backends the verdict rests on
    proposed_fixes: list[ProposedFix] = Field(default_factory=list)  # what a human should do, when nothing was fixed
    recalled: list[RecalledIncident] = Field(default_factory=list)  # past incidents the memory matched (hypotheses)
    team_facts: list[TeamFact] = Field(default_factory=list)  # what the team said about what this run touched


# What a person may do through `sre-agent serve` (service/roles.py maps routes to these; service/oidc.py maps an
# identity provider's groups to them): read, open investigations and pin actions, approve or reject actions.
Role = Literal["viewer", "responder", "approver"]
ROLES: tuple[Role, ...] = ("viewer", "responder", "approver")
DEFAULT_GROUP_ROLES: dict[str, Role] = {"sre-viewer": "viewer", "sre-responder": "responder", "sre-approver": "approver"}


class Person(BaseModel):
    """Someone a verified identity token named (OIDC: its `sub` and `email`): who asked for an investigation,
    who pinned or approved an action. Never a name typed into a form."""

    sub: str
    email: str | None = None

    def label(self) -> str:
        """How reports, ledgers and notifications name the person: the email with the subject, which is what the
        identity provider keys them by (an email can be reassigned, a sub cannot)."""
        return f"{self.email} (sub {self.sub})" if self.email else f"sub {self.sub}"


class Incident(BaseModel):
    id: str
    source: Literal["alarm", "chat", "sweep"] = "alarm"
    title: str
    severity: Literal["critical", "high", "medium", "low"] = "high"
    started_at: datetime
    window_start: datetime
    window_end: datetime
    # Where the symptom was seen: "shop/Service/frontend", "Node/x", or a namespace "shop".
    affected: list[str] = Field(default_factory=list)
    alarm: dict[str, Any] | None = None
    question: str | None = None
    namespace: str | None = None  # a question scoped to one namespace (`-n shop`); None: every namespace
    # The cluster it is investigated in, when several are configured (the config's `clusters:`, app/cluster_routing.py):
    # its alarm's ClusterName, its alert's `cluster` label or its account. None: the one cluster of a single-cluster
    # responder -- or, with several, one that could not be told (then it is investigated in none).
    cluster: str | None = None
    # What groups the notifications of one problem into one incident: "cloudwatch:<alarm>|<dims>",
    # "alertmanager:<fingerprint>", "sweep:<problem>". None: never grouped (a question).
    correlation_key: str | None = None
    # Who asked (a question opened through the service with a person's token); None for alarms, sweeps and the static
    # token. The two-person rule (service.two_person_rule) keeps this person from approving what the run pins.
    requested_by: Person | None = None


class MetricSeries(BaseModel):
    """One metric series a tool returned, kept typed beside the excerpt (which cuts long results short)
    so the run's charts can draw it: whole up to a bound, beyond it the lowest and highest value of
    each time bucket in time order, so a spike or a dip survives (app/evidence_series.py)."""

    metric: str
    statistic: str
    namespace: str = ""
    dimensions: dict[str, str] = Field(default_factory=dict)
    period_s: int | None = None
    timestamps: list[datetime] = Field(default_factory=list)  # oldest first
    values: list[float] = Field(default_factory=list)
    points: int = 0  # how many datapoints the tool returned; more than len(values) when downsampled


class ToolCallRecord(BaseModel):
    """One MCP tool call and what it returned: the evidence every conclusion points back to."""

    id: str  # "ev-3"
    agent: str
    server: str
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    excerpt: str = ""
    duration_ms: float = 0.0
    brain: str = "offline"
    redacted: int = 0  # secret-shaped values the server masked in this result (its `redacted` count)
    series: list[MetricSeries] = Field(default_factory=list)  # metric tools: the datapoints, bounded, for charts
    started_at: datetime | None = None  # when the call was made: the charts' action time and waterfall without a trace


class Finding(BaseModel):
    """A fact a specialist established, in terms the diagnosis rules and the report understand."""

    agent: str
    resource: str  # the resource the fact is about
    signal: str  # a stable code: ImagePullBackOff, OOMKilled, dependency_down, metric_anomaly, new_error_template, ...
    summary: str
    severity: Literal["critical", "warning", "info"] = "warning"
    details: dict[str, Any] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list)  # ToolCallRecord ids

"""The catalog of container images the lab knows, and how each one behaves.

An image's behaviour is data (catalog/images.yaml, or a scenario's own `images:`), so a new
scenario never needs code: what env vars it must have, how much memory it needs and how fast that
grows, how much CPU a request costs, which ports and probe paths it serves, which services it calls
and what it logs when things go right or wrong. The kubelet and telemetry derive everything a
client sees from these fields."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CATALOG_PATH = Path(__file__).with_name("catalog") / "images.yaml"


class Dependency(BaseModel):
    """A service this image calls; `env` names the variable holding its URL (http://name.ns:port)."""

    model_config = ConfigDict(extra="forbid")
    env: str
    calls_per_request: float = 1.0
    # Share of this image's requests that fail when the dependency has no ready endpoints.
    error_fraction_when_down: float = 1.0
    # Some apps report not-ready when a hard dependency is gone; most keep serving errors.
    readiness_requires: bool = False
    # The env var holding the password it presents to the dependency (read at container start, like all
    # env): a URL's password when the value is a URL with user info. None: it presents nothing checked.
    credential_env: str | None = None
    credential_user: str | None = None  # the user it logs in as; default: the URL's user, else the app's name


class AcceptedCredential(BaseModel):
    """A password a server accepts (world/credentials.py): from its own env var, read when its container
    started, or live from a Secret key in its namespace (a rotation that changed the password where it is
    checked -- ALTER ROLE -- and in the Secret at once)."""

    model_config = ConfigDict(extra="forbid")
    user: str | None = None  # only for this user; None: for any user
    env: str | None = None
    secret: str | None = None
    key: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AcceptedCredential:
        if (self.env is None) == (self.secret is None) or (self.secret is None) != (self.key is None):
            raise ValueError("an accepted credential names `env`, or `secret` and `key`")
        return self


# What each log template is formatted with -- every place that writes one passes these values (LogTemplates.line
# checks), and loading an image formats every template with samples of them, so a template that would fail
# while the world runs (an unknown placeholder, a lone brace) fails when its catalog or scenario loads instead.
LOG_VALUES: dict[str, dict[str, object]] = {
    "startup": {"app": "app", "version": "1.0.0", "port": 8080},
    "ready": {"app": "app", "version": "1.0.0", "port": 8080},
    "request": {"method": "GET", "path": "/api", "status": 200, "latency_ms": 20, "request_id": "0a1b2c3d4e5f",
                "app": "app"},
    "request_error": {"method": "GET", "path": "/api", "status": 500, "latency_ms": 20, "request_id": "0a1b2c3d4e5f",
                      "error": "internal error", "app": "app"},
    "missing_env": {"var": "DATABASE_URL"},
    "dependency_down": {"host": "db.shop.svc.cluster.local", "port": 5432, "dependency": "db", "app": "app"},
    "slow": {"path": "/api", "latency_ms": 1500, "app": "app"},
    "auth_failed": {"host": "db.shop.svc.cluster.local", "port": 5432, "dependency": "db", "user": "app", "app": "app"},
    "auth_rejected": {"user": "app", "app": "app"},
    "disk_full": {"path": "/var/lib/app", "app": "app"},
}


class LogTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid")
    startup: list[str] = Field(default_factory=lambda: ["starting {app} version={version}"])
    ready: str = "listening on :{port}"
    request: str = 'INFO {method} {path} status={status} duration_ms={latency_ms} request_id={request_id}'
    request_error: str = 'ERROR {method} {path} status={status} duration_ms={latency_ms} request_id={request_id} error="{error}"'
    missing_env: str = "FATAL configuration error: required environment variable {var} is not set"
    dependency_down: str = 'ERROR upstream call failed: dial tcp {host}:{port}: connect: connection refused dependency={dependency}'
    shutdown: str = "received SIGTERM, shutting down"  # written as it is (never formatted)
    slow: str = "WARN slow request path={path} duration_ms={latency_ms}"
    # A client whose credential a dependency refuses; the server refusing it.
    auth_failed: str = ('ERROR upstream call failed: {host}:{port}: authentication failed for user "{user}" '
                        'dependency={dependency}')
    auth_rejected: str = 'authentication failed for user "{user}"'
    disk_full: str = "ERROR write {path}: No space left on device"  # a write to its full volume (ENOSPC)

    def line(self, name: str, **values: object) -> str:
        """One template filled in; `values` must hold everything LOG_VALUES promises the template."""
        missing = LOG_VALUES[name].keys() - values.keys()
        assert not missing, f"logs.{name} is formatted without {sorted(missing)}: add them where it is written"
        template = getattr(self, name)
        return template.format(**values)

    def startup_lines(self, **values: object) -> list[str]:
        missing = LOG_VALUES["startup"].keys() - values.keys()
        assert not missing, f"logs.startup is formatted without {sorted(missing)}: add them where it is written"
        return [template.format(**values) for template in self.startup]

    def problems(self) -> list[str]:
        """Each template that cannot be formatted with what the world passes it, and why."""
        found = []
        for name, values in LOG_VALUES.items():
            templates = getattr(self, name)
            for index, template in enumerate(templates if isinstance(templates, list) else [templates]):
                where = f"logs.{name}" + (f"[{index}]" if isinstance(templates, list) else "")
                try:
                    template.format(**values)
                except KeyError as exc:
                    found.append(f"{where} {template!r}: unknown placeholder {{{exc.args[0]}}}")
                except (ValueError, IndexError, AttributeError, TypeError) as exc:
                    found.append(f"{where} {template!r}: {exc}")
                else:
                    continue
                found[-1] += (f" (its placeholders: {', '.join('{' + v + '}' for v in values) or 'none'}; "
                              "write {{ and }} for a literal brace)")
        return found


class VersionBehaviour(BaseModel):
    """Per-tag overrides: a regression is a tag whose latency or error rate is worse."""

    model_config = ConfigDict(extra="forbid")
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    error_rate: float | None = None
    memory_mib: float | None = None
    memory_growth_mib_per_hour: float | None = None
    memory_per_rps_mib: float | None = None
    cpu_per_rps_m: float | None = None
    requires_env: list[str] | None = None
    error_message: str | None = None
    data_write_mib_per_min: float | None = None
    executables: list[str] | None = None  # a tag built on another base (an -alpine tag has no bash)


class ImageBehaviour(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repository: str
    description: str = ""
    tags: dict[str, VersionBehaviour] = Field(min_length=1)
    role: Literal["service", "worker", "batch"] = "service"
    ports: list[int] = Field(default_factory=lambda: [8080])
    http_paths: list[str] = Field(default_factory=lambda: ["/", "/healthz", "/ready", "/metrics"])
    request_paths: list[str] = Field(default_factory=lambda: ["/api"])
    requires_env: list[str] = Field(default_factory=list)
    exit_code_on_config_error: int = 1
    memory_mib: float = 128
    memory_growth_mib_per_hour: float = 0.0
    # Working set that comes with load (buffers, sessions, in-flight requests): MiB per request per
    # second the pod serves. Past the memory limit the kernel OOM-kills the container.
    memory_per_rps_mib: float = 0.0
    cpu_idle_m: float = 5
    cpu_per_rps_m: float = 2.0
    startup_seconds: float = 5
    run_seconds: float = 60  # batch images: how long a run takes
    latency_p50_ms: float = 20
    latency_p99_ms: float = 80
    error_rate: float = 0.001
    error_message: str = "internal error"
    depends_on: list[Dependency] = Field(default_factory=list)
    logs: LogTemplates = Field(default_factory=LogTemplates)
    # A private repository: the registry refuses anonymous pulls, so a pod needs an imagePullSecret
    # (kubernetes.io/dockerconfigjson) whose auths cover it (world/pull_secrets.py).
    private: bool = False
    # Where the app writes its data -- the PVC mounted at this path (or above it) takes the writes -- what the
    # volume holds when the world starts and how fast it grows while a pod runs the image (world/volumes.py).
    data_path: str | None = None
    data_initial_mib: float = 0.0
    data_write_mib_per_min: float = 0.0
    disk_full_error_fraction: float = 1.0  # share of its requests that fail while its volume is full
    # The programs the image holds (names on its $PATH, or absolute paths): a container `command` or an exec
    # probe running anything else fails as the runtime fails it. None: the lab does not check.
    executables: list[str] | None = None
    # The programs that start the app (its entrypoint and server): a `command` running another program the
    # image holds is a one-off utility -- it exits 0 after a second, the app never runs. None: every command
    # runs the app.
    entrypoint: list[str] | None = None
    # How long its HTTP probe endpoints take to answer: their own time, stretched by CPU throttling like any
    # request, plus -- when the health handler waits in the same worker queue as requests -- the app's
    # current p99. Past a probe's timeoutSeconds the kubelet counts a failure (world/probe_timeouts.py).
    probe_latency_ms: float = 2.0
    probe_waits_for_requests: bool = False
    # The passwords this server accepts from its clients (a dependency's `credential_env`); empty: unchecked.
    accepts_credentials: list[AcceptedCredential] = Field(default_factory=list)
    # The "user:password" pairs the registry accepts (an ECR token is user AWS); empty: any it is offered.
    pull_credentials: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _templates_format(self) -> ImageBehaviour:
        problems = self.logs.problems()
        if problems:
            raise ValueError(f"image {self.repository}: " + "; ".join(problems))
        return self

    def version(self, tag: str) -> ResolvedImage:
        overrides = self.tags[tag].model_dump(exclude_none=True)
        return ResolvedImage(tag=tag, **{**self.model_dump(exclude={"tags"}), **overrides})


# A process starts at this share of its steady working set and reaches it after WARMUP_S
# (caches fill, pools open): one memory curve, used by the kubelet to decide when a container is
# OOM-killed and by telemetry to draw the memory series, so the two always agree.
WARM_START_SHARE = 0.6
WARMUP_S = 120.0


class ResolvedImage(ImageBehaviour):
    """One tag of an image, with its overrides applied."""

    tags: dict[str, VersionBehaviour] = Field(default_factory=dict)
    tag: str

    def memory_at(self, uptime_s: float) -> float:
        """Working set (MiB) after `uptime_s` of running: the warm-up ramp plus any leak."""
        warm = self.memory_mib * min(1.0, WARM_START_SHARE + uptime_s / WARMUP_S)
        return warm + self.memory_growth_mib_per_hour * uptime_s / 3600

    def seconds_until_memory(self, limit_mib: float) -> float | None:
        """When the working set first reaches `limit_mib`, or None if it never does."""
        start = self.memory_mib * WARM_START_SHARE
        if start >= limit_mib:
            return 0.0
        leak_per_s = self.memory_growth_mib_per_hour / 3600
        warm_end = (1 - WARM_START_SHARE) * WARMUP_S
        during_warmup = (limit_mib - start) / (self.memory_mib / WARMUP_S + leak_per_s)
        if during_warmup <= warm_end:
            return during_warmup
        if leak_per_s <= 0:
            return None
        return (limit_mib - self.memory_mib) / leak_per_s


def split_image_ref(ref: str) -> tuple[str, str]:
    """'repo/name:tag' -> (repo/name, tag); no tag means 'latest' as a container runtime does."""
    if "@" in ref:
        repo, digest = ref.split("@", 1)
        return repo, digest
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = ref.rsplit(":", 1)
        return repo, tag
    return ref, "latest"


class ImageCatalog:
    def __init__(self, images: list[ImageBehaviour]) -> None:
        self._by_repo: dict[str, ImageBehaviour] = {}
        for image in images:
            self._by_repo[image.repository] = image

    def merged(self, extra: list[ImageBehaviour]) -> ImageCatalog:
        return ImageCatalog([*self._by_repo.values(), *extra])

    def resolve(self, ref: str) -> ResolvedImage | None:
        """The behaviour of an image reference, or None when no registry has it (pull fails)."""
        repo, tag = split_image_ref(ref)
        image = self._by_repo.get(repo)
        if image is None or tag not in image.tags:
            return None
        return image.version(tag)

    def knows_repository(self, ref: str) -> bool:
        return split_image_ref(ref)[0] in self._by_repo

    def __contains__(self, ref: str) -> bool:
        return self.resolve(ref) is not None

    def __len__(self) -> int:
        return len(self._by_repo)


class ImageCatalogError(ValueError):
    pass


def parse_images(raw: object, where: str) -> list[ImageBehaviour]:
    if not isinstance(raw, list):
        raise ImageCatalogError(f"{where}: `images` must be a list of image behaviours")
    images = []
    for index, item in enumerate(raw):
        try:
            images.append(ImageBehaviour.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            path = ".".join(str(p) for p in first["loc"])
            raise ImageCatalogError(f"{where}: images[{index}].{path}: {first['msg']}") from None
    return images


def load_catalog(path: Path = CATALOG_PATH) -> ImageCatalog:
    data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return ImageCatalog(parse_images((data or {}).get("images"), str(path)))

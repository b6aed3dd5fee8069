"""The `service` settings section: how `sre-agent serve` listens, who may call it, its workers, sweeps and chats."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from ..contracts import DEFAULT_GROUP_ROLES, Role
from .schedules import ScheduledSweep, unique_names
from .settings_sections import CommaList, Section, comma_list


class ServiceSettings(Section):
    """`sre-agent serve`."""

    host: str = Field("127.0.0.1", description="bind address")
    port: int = Field(8080, ge=0, le=65535, description="port (0: any free port)")
    token: SecretStr | None = Field(None, description="bearer token callers must send (required unless OIDC is set, "
                                                      "or bound to loopback with insecure_localhost); with OIDC it "
                                                      "still works, with every role, for one person or automation")
    insecure_localhost: bool = Field(False, description="allow no token, only when bound to loopback")
    oidc_issuer: str | None = Field(None, description="OpenID Connect issuer whose JWT access tokens callers may send "
                                    "(beside or instead of the token), exactly as its tokens' iss says it: Cognito "
                                    "https://cognito-idp.<region>.amazonaws.com/<pool-id>, Entra ID "
                                    "https://login.microsoftonline.com/<tenant>/v2.0, Keycloak https://<host>/realms/"
                                    "<realm>; its discovery document and JWKS are fetched from it. Set with "
                                    "oidc_audience")
    oidc_audience: str | None = Field(None, description="the audience a token must name in aud (or, without aud, in "
                                      "client_id, as Cognito access tokens do): the app client id or API identifier "
                                      "registered for this service")
    oidc_groups_claim: str = Field("cognito:groups", min_length=1, description="the token claim listing the caller's "
                                   "groups (Entra ID: roles or groups; Keycloak and Okta: groups)")
    oidc_roles: Annotated[dict[str, Role], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_GROUP_ROLES), description="group -> role: viewer (reads), responder "
        "(opens investigations, pins actions in chat), approver (approves or rejects actions); a group not named grants "
        "nothing. In the environment: group=role,group=role (or a JSON object)")
    oidc_client_id: str | None = Field(None, description="the web console's OIDC client id: people sign in to /ui at "
                                       "the issuer (authorization code + PKCE); register <service>/ui/login/callback "
                                       "as its redirect URI and <service>/ui/login as its post-logout redirect URI. "
                                       "Default: oidc_audience (a Cognito app client id is both)")
    oidc_client_secret: SecretStr | None = Field(None, description="the console client's secret, for a confidential "
                                                 "client (a Cognito app client with a secret, an Entra web app); "
                                                 "unset: a public client, PKCE alone")
    oidc_scopes: str = Field("openid email profile", description="the scopes the console's sign-in asks for "
                             "(openid is required); add the API's own scope (Entra: api://<app-id>/<scope>) for its "
                             "access token to carry the roles the API would grant")
    console_session_secret: SecretStr | None = Field(None, description="the key the console's session cookies are "
                                                     "signed with; default: derived from service.token, else random "
                                                     "per process -- with OIDC alone, set it for sessions that "
                                                     "survive a restart and work across replicas")
    two_person_rule: bool = Field(False, description="an action pinned by an investigation a person opened must be "
                                  "approved by another person (rejecting stays open to anyone with the approver "
                                  "role); needs OIDC: the static token names nobody, so it cannot approve then")
    workers: int | None = Field(None, ge=1, le=64, description="investigations run at once (default: 2 per core, 2..8); "
                                                             "a run waiting for an approval holds none")
    step_processes: int | None = Field(None, ge=0, le=64, description="processes the investigation steps run in, "
                                       "apart from the intake (default: half the cores, 1..workers); 0: a thread of "
                                       "the serve process")
    step_nice: int = Field(10, ge=0, le=19, description="CPU niceness added to the step processes, so that alarm "
                           "intake wins the cores under load")
    max_queue: int = Field(200, ge=1, description="investigations waiting for a worker before new alarms get 429 + "
                                                  "Retry-After (notifications for an open incident are always taken)")
    public_url: str | None = Field(None, description="the URL people reach the service at, for links in approval "
                                                     "requests and the console's OIDC redirect URIs (e.g. "
                                                     "https://sre-agent.example.com); unset, the console builds them "
                                                     "from the request's scheme and Host")
    allowed_hosts: CommaList = Field(default_factory=list, description="Host header values accepted (DNS-rebinding "
                                     "defence); default: loopback names when bound to loopback, else any ('*')")
    allowed_origins: CommaList = Field(default_factory=list, description="browser Origins allowed to POST (e.g. a "
                                       "console's https://console.example.com); any other cross-site POST is refused")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body accepted (413 above it)")
    sns_topic_arns: CommaList = Field(default_factory=list, description="SNS topics whose signed notifications "
                                      "POST /v1/alarms/sns accepts (none configured: that route refuses everything)")
    sqs_queue_url: str | None = Field(None, description="consume alarm notifications from this SQS queue (several "
                                                        "replicas may share it)")
    sqs_dead_letter_queue_url: str | None = Field(None, description="where SQS messages that can never be an alarm "
                                                                    "go at once (others: the queue's RedrivePolicy)")
    sweeps: list[ScheduledSweep] = Field(default_factory=list, description="scheduled health sweeps: [{name, cron, "
                                         "namespace, open_incidents, severity, timezone, cluster}]; a problem new since "
                                         "the previous sweep opens an incident; with `clusters:`, each sweeps every "
                                         "configured cluster (or its `cluster`), each reported on its own")
    chat_session_ttl_s: float = Field(86400.0, gt=0, description="a chat session (POST /v1/sessions, /invocations, "
                                      "the console's chat) idle this long expires: its id then answers 404")
    chat_max_sessions: int = Field(500, ge=1, description="live chat sessions kept at once; a new session past it "
                                   "closes the one idle longest (its id then answers 404 saying so)")
    chat_max_messages: int = Field(100, ge=1, le=10000, description="questions one chat session answers; then 409: "
                                   "start a new session")
    chat_max_question_chars: int = Field(2000, ge=1, le=4000, description="characters in one chat question (413 "
                                         "above it)")
    lease_s: float = Field(60.0, ge=5, le=3600, description="advanced: how long a worker's claim on a run lasts "
                           "without renewal (renewed every third of it); a run whose replica died is carried on by "
                           "another worker this long after its last renewal")

    _lists = field_validator("allowed_hosts", "allowed_origins", "sns_topic_arns", mode="before")(comma_list)

    @field_validator("oidc_roles", mode="before")
    @classmethod
    def _role_map(cls, value: Any) -> Any:
        """`group=role,group=role` (or a JSON object) from an env var or a flag; a mapping from YAML."""
        if isinstance(value, str):
            if value.strip().startswith("{"):
                return json.loads(value)
            pairs = [item.partition("=") for item in value.split(",") if item.strip()]
            bad = [group for group, eq, role in pairs if not eq or not group.strip() or not role.strip()]
            if bad:
                raise ValueError(f"write the group -> role map as group=role,group=role (got {value[:80]!r})")
            return {group.strip(): role.strip() for group, _, role in pairs}
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> ServiceSettings:
        if (self.oidc_issuer is None) != (self.oidc_audience is None):
            given, missing = (("oidc_issuer", "oidc_audience") if self.oidc_issuer is not None
                              else ("oidc_audience", "oidc_issuer"))
            raise ValueError(f"service.{given} is set but service.{missing} is not: OIDC needs both -- the issuer "
                             "(SRE_AGENT_SERVICE_OIDC_ISSUER) and the audience its tokens name for this service "
                             "(SRE_AGENT_SERVICE_OIDC_AUDIENCE) -- or neither")
        if self.oidc_issuer is not None:
            issuer = urlsplit(self.oidc_issuer)
            if not issuer.hostname or (issuer.scheme != "https" and issuer.hostname not in ("127.0.0.1", "localhost", "::1")):
                raise ValueError(f"service.oidc_issuer must be the issuer's https URL, as its tokens' iss claim says it "
                                 f"(got {self.oidc_issuer[:120]!r}); plain http is allowed on loopback only")
        if self.oidc_issuer is None and (self.oidc_client_id or self.oidc_client_secret):
            raise ValueError("service.oidc_client_id and service.oidc_client_secret are the console's OIDC client: "
                             "they need service.oidc_issuer and service.oidc_audience")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError(f"service.oidc_scopes must include openid (got {self.oidc_scopes[:120]!r}): the console's "
                             "sign-in needs the ID token")
        if self.two_person_rule and self.oidc_issuer is None:
            raise ValueError("service.two_person_rule needs OIDC (service.oidc_issuer and service.oidc_audience): the "
                             "rule tells people apart by their tokens, and the static token names nobody")
        return self

    @field_validator("sweeps", mode="after")
    @classmethod
    def _unique_sweeps(cls, value: list[ScheduledSweep]) -> list[ScheduledSweep]:
        unique_names(value)
        return value

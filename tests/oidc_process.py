"""A real OpenID Provider (npm's oidc-provider, tests/oidc_provider/server.mjs) on loopback, for the tests of the OIDC
verifier and of the console's sign-in: real discovery, a real JWKS, real access tokens from the client_credentials
grant, and -- for `users` and `web_clients` -- the authorization code flow with PKCE through the provider's own login
and consent forms. Skipped with the reason when node or npm is missing, or when the package cannot be installed (no
registry)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from serve_process import free_port, running

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
AUDIENCE = "https://sre-agent.test"  # server.mjs's default resource


def signing_key(kid: str) -> tuple[rsa.RSAPrivateKey, dict]:
    """A fresh RSA key and its private JWK, as the provider's `jwks` takes it."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private, {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private)), "kid": kid, "alg": "RS256", "use": "sig"}


def installed() -> None:
    """node_modules from the pinned package-lock.json (npm ci), once per checkout; a skip when it cannot be had."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("no node/npm: install Debian's nodejs and npm to run the OIDC provider tests")
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"npm ci for tests/oidc_provider failed (no registry?): {done.stderr.strip()[-300:]}")


@dataclass
class OidcProvider:
    """One provider on a fixed port, so `restart` (a key rotation) keeps its issuer. `clients`: client_id ->
    {"groups": [...], "ttl_s": n}; each client's secret is `secret-<client_id>`. `users`: sub -> {"email", "name",
    "groups"}, who may sign in through `web_clients` (client_id -> {"client_secret" (none: a public client),
    "redirect_uris", "post_logout_redirect_uris"}; loopback URIs match on any port)."""

    workdir: Path
    keys: list[dict]
    clients: dict[str, dict] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    web_clients: dict[str, dict] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    _stack: ExitStack = field(default_factory=ExitStack)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OidcProvider:
        installed()
        config = self.workdir / f"provider-{self.port}.json"
        config.write_text(json.dumps({"port": self.port, "keys": self.keys, "clients": [
            {"client_id": client_id, "client_secret": f"secret-{client_id}", **spec} for client_id, spec in self.clients.items()],
            "users": [{"sub": sub, **spec} for sub, spec in self.users.items()],
            "web_clients": [{"client_id": client_id, **spec} for client_id, spec in self.web_clients.items()]}))
        log = (self.workdir / f"provider-{self.port}.log").open("a")
        self._stack.callback(log.close)
        proc = subprocess.Popen([shutil.which("node") or "node", str(PROVIDER_DIR / "server.mjs"), str(config)],
                                stdout=log, stderr=subprocess.STDOUT)
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        self._stack.enter_context(running(proc, lambda: httpx.get(discovery, timeout=1).json()["issuer"] == self.issuer, timeout_s=30))
        if proc.poll() is not None:
            pytest.fail(f"the OIDC provider exited: {(self.workdir / f'provider-{self.port}.log').read_text()[-2000:]}")
        return self

    def stop(self) -> None:
        self._stack.close()

    def restart(self, keys: list[dict]) -> None:
        """Serve and sign with `keys` from now on (the first signs): a rotation, as the verifier meets it."""
        self.stop()
        self.keys = keys
        self.start()

    def token(self, client_id: str, resource: str | None = None) -> str:
        """A real access token (a JWT) for the client; `resource`: the audience asked for (default AUDIENCE)."""
        form = {"grant_type": "client_credentials", "scope": "sre", **({"resource": resource} if resource else {})}
        response = httpx.post(f"{self.issuer}/token", data=form, auth=(client_id, f"secret-{client_id}"), timeout=10)
        response.raise_for_status()
        return response.json()["access_token"]


def provider(workdir: Path, keys: list[dict], clients: dict[str, dict], users: dict[str, dict] | None = None,
             web_clients: dict[str, dict] | None = None) -> Iterator[OidcProvider]:
    """For a fixture: a started provider, stopped after."""
    started = OidcProvider(workdir, keys, clients, users or {}, web_clients or {}).start()
    try:
        yield started
    finally:
        started.stop()

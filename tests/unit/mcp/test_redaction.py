"""The redaction layer's detectors as tables: every secret shape is caught (the secret part gone,
the context kept), every benign shape a diagnosis is made of survives untouched."""

from __future__ import annotations

import json

import pytest

from mcp_servers.common.redaction import MASK, redact_payload, redact_text, secret_name

# (text, the secret that must be gone, context that must survive)
CAUGHT_IN_TEXT = [
    ("--db-password=hunter2x", "hunter2x", "--db-password="),
    ("java -jar app.jar --token tok3n-value-1 --port 8080", "tok3n-value-1", "--port 8080"),
    ("export DB_PASS=pa55word", "pa55word", "export DB_PASS="),
    ("DB_PASSWORD=correct horse battery\nLOG_LEVEL=info", "correct horse battery", "LOG_LEVEL=info"),
    ("spring.datasource.password=Sup3rS3cret\nspring.datasource.url=jdbc:pg://db/app", "Sup3rS3cret",
     "spring.datasource.url=jdbc:pg://db/app"),
    ('{"user": "app", "password": "js0n-pw"}', "js0n-pw", '"user": "app"'),
    ("db:\n  host: db.internal\n  password: yaml-pw-1\n", "yaml-pw-1", "host: db.internal"),
    ("postgres://ledger:l3dg3r-pw@ledger-db.payments.svc:5432/ledger", "l3dg3r-pw", "@ledger-db.payments.svc:5432/ledger"),
    ("postgres://ledger:l3dg3r-pw@ledger-db:5432/ledger", "ledger:", "postgres://"),
    ("Server=sql.internal;Database=orders;User ID=ordersvc;Password=C0nn-pw;", "C0nn-pw", "Server=sql.internal"),
    ("Server=sql.internal;Database=orders;User ID=ordersvc;Password=C0nn-pw;", "ordersvc", "Database=orders"),
    ("Driver={x};Server=h;Uid=bob;Pwd=0dbc-pw;", "0dbc-pw", "Server=h"),
    ("jdbc:mysql://db/app?user=appuser&password=jdbcpw1", "jdbcpw1", "jdbc:mysql://db/app"),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id"),
    ("assumed ASIAXYZ1234567890ABC for the session", "ASIAXYZ1234567890ABC", "for the session"),
    ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "aws_secret_access_key="),
    ("GET /api Authorization: Bearer abcdef123456.xyz status=401", "abcdef123456.xyz", "status=401"),
    ("curl -H 'Authorization: Basic dXNlcjpwYXNz' http://x", "dXNlcjpwYXNz", "curl -H"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl seen", "eyJzdWIiOiIxMjM0NSJ9", "seen"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS\n-----END RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA0Z3VS",
     "-----END RSA PRIVATE KEY-----"),
    ("key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq (cut", "MIIEvQIBADANBgkq", "-----BEGIN PRIVATE KEY-----"),
    ("pushed with ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "pushed with"),
    ("notify xoxb-123456789012-abcdefghijkl failed", "xoxb-123456789012-abcdefghijkl", "failed"),
    ("charge failed with key sk_live_abcdefghijklmnop1234", "sk_live_abcdefghijklmnop1234", "charge failed"),
    ('level=error msg="login failed" token=opaque-tok-99 user=bob', "opaque-tok-99", "user=bob"),
    ("GET /cb?code=1&access_token=qs-tok-1&state=x", "qs-tok-1", "state=x"),
    ("X-Amz-Credential=AKIDEXAMPLE/2024&X-Amz-Signature=abc123sig", "abc123sig", "X-Amz-Credential="),
    ("{'api_key': 'py-dict-key-1'}", "py-dict-key-1", "api_key"),
    ("debug config dump: password=kv-in-prose-1 pool=8", "kv-in-prose-1", "pool=8"),
    ('ERROR GET /x status=500 error="provider rejected api_key=nested-key-2"', "nested-key-2", "status=500"),
]

# Text that must come back byte for byte.
KEPT_TEXT = [
    "image 730185264417.dkr.ecr.ap-southeast-2.amazonaws.com/basalt/pass-predictor:3.2.0",  # a repository named pass-*
    "affinity {'podAntiAffinity': {'topologyKey': 'kubernetes.io/hostname'}}",
    "ghcr.io/acme-shop/payments@sha256:3b2f0c8e9d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
    "uid: 6f1c2a9e-1b7d-4c1e-9a4e-2f8b9d0c1a2b resourceVersion: 48213",
    "trace_id=1-65a1f2c3-9a8b7c6d5e4f3a2b1c0d9e8f request_id=4bf92f3577b34da6a3ce929d0e0e4736",
    "payments-7d9f8b6c4-x2x9k",
    "ledger-db-0 checkout-5c8d7b9f6d-q7w2z",
    "Back-off restarting failed container payments in pod payments-7d9f8b6c4-x2x9k",
    "Error: couldn't find key DATABASE_URL in Secret payments/ledger-db",
    "FATAL configuration error: required environment variable PAYMENTS_WEBHOOK_SECRET is not set",
    'MountVolume.SetUp failed for volume "creds" : secret "ledger-db" not found',
    "ERROR upstream call failed: dial tcp ledger.payments.svc:8080: connect: connection refused dependency=ledger",
    "INFO GET /api status=200 duration_ms=12 request_id=9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "Successfully pulled image \"ghcr.io/acme-shop/checkout:2.3.0\" in 1.2s",
    "http://checkout.shop.svc.cluster.local:8080",
    "redis://redis.shop.svc.cluster.local:6379",
    "arn:aws:iam::123456789012:role/sre-agent",
    "x-amzn-trace-id: Root=1-5759e988-bd862e3fe1be46a994272793",
    "password authentication failed for user \"app\"",
    "a basic troubleshooting guide",
    "git@github.com:acme/shop.git",
    "12:00:00 INFO started in 3.2s",
    "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "OOMKilled: container exceeded its 384Mi limit",
]

SECRET_NAMES = ["PASSWORD", "DB_PASS", "db-password", "dbPassword", "API_KEY", "apiKey", "STRIPE_KEY", "signing-key",
                "SECRET_KEY", "aws_secret_access_key", "GITHUB_TOKEN", "x-auth-token", "client_secret", "Authorization",
                "/prod/payments/api_key", "vault.hashicorp.com/agent-inject-token", "session_token", "PGPASSWORD",
                "X-Amz-Signature", "credentials.json", "private_key", "jwt"]
BENIGN_NAMES = ["secretName", "secretKeyRef", "key", "name", "PASSWORD_FILE", "token_ttl", "next_token", "nextToken",
                "public_key", "partition_key", "DATABASE_URL", "LEDGER_URL", "resourceVersion", "uid", "keys",
                "serviceAccountName", "imagePullSecrets", "auth_url", "token_expires_at", "request_id", "trace_id",
                "MAX_CONNECTIONS", "/shop/feature/new-checkout", "podIP", "topologyKey"]


@pytest.mark.parametrize(("text", "secret", "context"), CAUGHT_IN_TEXT)
def test_each_secret_shape_is_caught_and_its_context_kept(text, secret, context):
    redacted, count = redact_text(text)
    assert secret not in redacted, redacted
    assert context in redacted and MASK in redacted and count >= 1


@pytest.mark.parametrize("text", KEPT_TEXT)
def test_each_benign_shape_survives(text):
    assert redact_text(text) == (text, 0)


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names(name):
    assert secret_name(name)


@pytest.mark.parametrize("name", BENIGN_NAMES)
def test_benign_names(name):
    assert not secret_name(name)


def test_structured_results_are_redacted_by_key_pair_and_argument():
    pod = {"metadata": {"name": "payments-7d9f8b6c4-x2x9k", "uid": "6f1c2a9e-1b7d-4c1e-9a4e-2f8b9d0c1a2b",
                        "resourceVersion": "48213",
                        "annotations": {"vault.hashicorp.com/agent-inject-token": "hvs.annot-tok", "team": "payments"},
                        "labels": {"app": "payments", "pod-template-hash": "7d9f8b6c4"}},
           "spec": {"containers": [{
               "name": "payments", "image": "ghcr.io/acme-shop/payments@sha256:" + "ab" * 32,
               "args": ["--listen=:8080", "--db-password=argpw1", "--token", "argtok2", "--verbose"],
               "env": [{"name": "DB_PASS", "value": "envpw3"}, {"name": "MODE", "value": "fast"},
                       {"name": "API_TOKEN", "value": ""},
                       {"name": "PROVIDER_KEY", "valueFrom": {"secretKeyRef": {"name": "provider", "key": "PROVIDER_KEY"}}}],
           }], "volumes": [{"name": "creds", "secret": {"secretName": "ledger-db"}}]}}
    out, count = redact_payload(pod)
    text = json.dumps(out)
    for secret in ("hvs.annot-tok", "argpw1", "argtok2", "envpw3"):
        assert secret not in text
    assert count == 4
    container = out["spec"]["containers"][0]
    assert container["args"] == ["--listen=:8080", f"--db-password={MASK}", "--token", MASK, "--verbose"]
    assert container["env"][1] == {"name": "MODE", "value": "fast"}
    assert container["env"][2]["value"] == ""  # an empty secret is a fact a diagnosis needs, not a secret
    assert container["env"][3] == pod["spec"]["containers"][0]["env"][3]  # a reference names a key, holds none
    assert out["metadata"] == {**pod["metadata"], "annotations": {"vault.hashicorp.com/agent-inject-token": MASK,
                                                                  "team": "payments"}}
    assert out["spec"]["volumes"] == pod["spec"]["volumes"] and container["image"] == pod["spec"]["containers"][0]["image"]


def test_ssm_parameters_and_configmap_files():
    param, count = redact_payload({"name": "/shop/payments/api_key", "type": "String", "value": "sk-123-param"})
    assert param["value"] == MASK and count == 1
    flag, count = redact_payload({"name": "/shop/feature/new-checkout", "type": "String", "value": "enabled"})
    assert flag["value"] == "enabled" and count == 0
    data = {"application.properties": "server.port=8080\nspring.datasource.password=pr0ps-pw\n",
            "config.json": '{"endpoint": "https://api.example.com", "apiKey": "js0n-key"}',
            ".env": "REDIS_URL=redis://:r3dis-pw@redis:6379\nWORKERS=4\n",
            "credentials": "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            "WAREHOUSE_REGION": "us-east-1"}
    out, count = redact_payload({"data": data})
    text = json.dumps(out)
    for secret in ("pr0ps-pw", "js0n-key", "r3dis-pw", "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in text
    assert out["data"]["WAREHOUSE_REGION"] == "us-east-1" and "server.port=8080" in out["data"]["application.properties"]
    assert "WORKERS=4" in out["data"][".env"] and count >= 4

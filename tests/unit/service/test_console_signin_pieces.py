"""The pure pieces of the console's OIDC sign-in (console/signin.py, console/session.py): the PKCE challenge, the
sealed pre-login cookie (signed, expiring, bound to its key), the session cookie carrying a person and their roles,
the session's lifetime against the ID token's, and the settings that configure it."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from pydantic import ValidationError

from sre_agent.app.service_settings import ServiceSettings
from sre_agent.commands.serve import guard_settings
from sre_agent.console.session import SESSION_S, Identity, SessionKeys
from sre_agent.console.signin import (
    PRELOGIN_S,
    SignInFailed,
    code_challenge,
    new_prelogin,
    open_prelogin,
    pkce_pair,
    seal_prelogin,
    session_expiry,
)

ISSUER = "https://idp.example.com"


def test_the_pkce_challenge_is_rfc_7636s_s256_of_the_verifier():
    # RFC 7636 appendix B's example
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128 and set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    assert challenge == base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce_pair()[0] != verifier  # fresh every time


def test_the_prelogin_cookie_opens_with_its_key_until_it_expires():
    keys = SessionKeys("tok")
    prelogin = new_prelogin("/ui/incidents/inc-1")
    sealed = seal_prelogin(keys, prelogin, now=1000)
    assert open_prelogin(keys, sealed, now=1000 + PRELOGIN_S - 1) == prelogin
    with pytest.raises(SignInFailed, match="took too long"):
        open_prelogin(keys, sealed, now=1000 + PRELOGIN_S)
    with pytest.raises(SignInFailed, match="no sign-in in progress"):
        open_prelogin(keys, None)
    with pytest.raises(SignInFailed, match="not this service's"):
        open_prelogin(SessionKeys("another-token"), sealed, now=1000)  # another key
    body, _, mac = sealed.partition(".")
    tampered = base64.urlsafe_b64encode(base64.urlsafe_b64decode(body + "==").replace(b'"state":"', b'"state":"x')
                                        ).rstrip(b"=").decode()
    with pytest.raises(SignInFailed, match="not this service's"):
        open_prelogin(keys, f"{tampered}.{mac}", now=1000)
    with pytest.raises(SignInFailed, match="not this service's"):
        open_prelogin(keys, "not-base64!.abc", now=1000)


def test_the_prelogin_and_the_session_are_signed_for_different_purposes():
    keys = SessionKeys("tok")
    sealed = keys.seal("prelogin", {"state": "s"}, int(time.time()) + 60)
    with pytest.raises(ValueError, match="forged"):
        keys.unseal("something-else", sealed)
    assert keys.session(sealed) is None


def test_a_persons_session_carries_their_roles_and_a_forged_one_is_refused():
    keys = SessionKeys(None, secret="console-secret", open_without_token=False)
    identity = Identity(sub="u-1", email="vera@example.com", roles=frozenset({"viewer"}))
    cookie, issued = keys.issue(identity=identity)
    session = keys.session(cookie)
    assert session == issued and session.identity == identity
    assert session.holds("viewer") and not session.holds("approver")
    assert session.person().model_dump() == {"sub": "u-1", "email": "vera@example.com"}
    # The same secret on another replica opens it; another key does not; nor does a cookie whose roles were edited.
    assert SessionKeys(None, secret="console-secret", open_without_token=False).session(cookie) == session
    assert SessionKeys(None, open_without_token=False).session(cookie) is None
    expires, nonce, who, mac = cookie.split(".")
    approver = Identity(sub="u-1", email="vera@example.com", roles=frozenset({"approver", "viewer"}))
    forged_who = base64.urlsafe_b64encode(approver.model_dump_json().encode()).rstrip(b"=").decode()
    assert keys.session(f"{expires}.{nonce}.{forged_who}.{mac}") is None
    assert keys.session(f"{expires}.{nonce}.{mac}") is None  # nor with the person cut out (a static session)


def test_a_static_token_session_names_nobody_and_holds_every_role():
    keys = SessionKeys("tok")
    cookie, _ = keys.issue()
    session = keys.session(cookie)
    assert cookie.count(".") == 2 and session.identity is None and session.person() is None
    assert session.roles == {"viewer", "responder", "approver"}


def test_a_persons_session_ends_with_their_id_token_and_never_after_a_shift():
    now = 1_000_000
    keys = SessionKeys("tok")
    _, short = keys.issue(now, identity=Identity(sub="a"), expires=session_expiry(now + 300, now))
    assert short.expires == now + 300
    _, long = keys.issue(now, identity=Identity(sub="a"), expires=session_expiry(now + 7 * 86400, now))
    assert long.expires == now + SESSION_S
    # a token at the end of its life still lets the page load: a minute, not zero
    assert session_expiry(now - 5, now) == now + 60
    cookie, _ = keys.issue(now, identity=Identity(sub="a"), expires=now + 300)
    assert keys.session(cookie, now=now + 299) is not None and keys.session(cookie, now=now + 300) is None


def test_the_console_client_settings_default_and_reach_the_guard():
    settings = ServiceSettings(oidc_issuer=ISSUER, oidc_audience="api-client")
    guard = guard_settings(settings, None)
    signin = guard.signin(guard.verifier())
    assert signin.client_id == "api-client" and signin.scopes == "openid email profile" and signin.public_url is None
    assert signin.label == "idp.example.com"
    configured = ServiceSettings(oidc_issuer=ISSUER, oidc_audience="api", oidc_client_id="console",
                                 oidc_client_secret="s3cret", oidc_scopes="openid email api://x/sre",
                                 public_url="https://sre.example.com/", console_session_secret="k")
    guard = guard_settings(configured, None)
    signin = guard.signin(guard.verifier())
    assert (signin.client_id, signin.scopes, signin.public_url) == ("console", "openid email api://x/sre",
                                                                   "https://sre.example.com")
    assert "s3cret" not in repr(guard) and "s3cret" not in repr(signin) and "s3cret" not in repr(configured)
    assert guard.console_session_secret == "k"
    assert guard_settings(ServiceSettings(token="t"), "t").signin(None) is None  # no OIDC: no sign-in with it


@pytest.mark.parametrize("fields, says", [
    ({"oidc_client_id": "console"}, "need service.oidc_issuer"),
    ({"oidc_issuer": ISSUER, "oidc_audience": "a", "oidc_scopes": "email profile"}, "must include openid"),
])
def test_console_client_settings_that_cannot_work_are_refused(fields, says):
    with pytest.raises(ValidationError, match=says):
        ServiceSettings(**fields)


def test_the_console_client_settings_come_from_the_environment(monkeypatch):
    from sre_agent.app.settings import Settings

    monkeypatch.setenv("SRE_AGENT_SERVICE_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("SRE_AGENT_SERVICE_OIDC_AUDIENCE", "api")
    monkeypatch.setenv("SRE_AGENT_SERVICE_OIDC_CLIENT_ID", "console")
    monkeypatch.setenv("SRE_AGENT_SERVICE_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("SRE_AGENT_SERVICE_OIDC_SCOPES", "openid email")
    monkeypatch.setenv("SRE_AGENT_SERVICE_CONSOLE_SESSION_SECRET", "k")
    service = Settings().service
    assert (service.oidc_client_id, service.oidc_client_secret.get_secret_value(), service.oidc_scopes,
            service.console_session_secret.get_secret_value()) == ("console", "s3cret", "openid email", "k")

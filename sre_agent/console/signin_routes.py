"""The console's sign-in and sign-out routes: the static token's form (POST /ui/login), the identity provider's
authorization code flow with PKCE (GET /ui/login/oidc, GET /ui/login/callback -- console/signin.py), and logout
(POST /ui/logout, which also ends the provider's session when it advertises an end_session_endpoint).

The guard (service/guard.py) lets these through without a session, after the Host check; it puts the session keys
(`console_sessions`) and the provider's client (`console_signin`, None without OIDC) in the scope's state."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .session import COOKIE, SESSION_S, ConsoleSession, SessionKeys
from .signin import (
    ID_TOKEN_COOKIE,
    MAX_ID_TOKEN_COOKIE,
    PRELOGIN_COOKIE,
    PRELOGIN_S,
    IdentityProvider,
    SignInFailed,
    code_challenge,
    new_prelogin,
    open_prelogin,
    seal_prelogin,
    session_expiry,
)

log = logging.getLogger(__name__)
_SHOWN = 200  # at most this much of the provider's error_description goes on the page

Page = Callable[..., HTMLResponse]


def form_of(body: bytes) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the first value of each field)."""
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def add_signin_routes(router: APIRouter, prefix: str, page: Page, redirect: Callable[[str], RedirectResponse],
                      safe_next: Callable[[str | None], str]) -> None:
    def keys_of(request: Request) -> SessionKeys | None:
        return getattr(request.state, "console_sessions", None)

    def signin_of(request: Request) -> IdentityProvider | None:
        return getattr(request.state, "console_signin", None)

    def base_url(request: Request, signin: IdentityProvider | None) -> str:
        """The service's address as the browser knows it: service.public_url, else the request's own scheme and
        Host (the guard has already refused a Host not in service.allowed_hosts)."""
        if signin is not None and signin.public_url:
            return signin.public_url
        return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"

    def secure(request: Request, signin: IdentityProvider | None) -> bool:
        return request.url.scheme == "https" or base_url(request, signin).startswith("https://")

    def login_page(request: Request, status: int = 200, next_path: str = "", **context: Any) -> HTMLResponse:
        keys, signin = keys_of(request), signin_of(request)
        return page("login.html", request, status, next=safe_next(next_path), token_login=bool(keys and keys.token),
                    provider=signin.label if signin else None, **context)

    def failed(request: Request, message: str, status: int, next_path: str = "") -> HTMLResponse:
        response = login_page(request, status, next_path, flash=message, flash_kind="error", retry=True)
        response.delete_cookie(PRELOGIN_COOKIE, path=f"{prefix}/login", httponly=True, samesite="lax")
        return response

    def start_session(request: Request, response: Response, cookie: str, session: ConsoleSession) -> None:
        response.set_cookie(COOKIE, cookie, max_age=max(1, min(SESSION_S, session.expires - int(time.time()))),
                            path=prefix, httponly=True, samesite="strict", secure=secure(request, signin_of(request)))

    @router.get("/login")
    async def login_form(request: Request, next: str = "") -> Response:
        keys = keys_of(request)
        if keys is None:
            return HTMLResponse("the console is not behind the service's guard", 500)
        if keys.open:
            return redirect(safe_next(next))
        return login_page(request, next_path=next)

    @router.post("/login")
    async def login(request: Request) -> Response:
        keys: SessionKeys = request.state.console_sessions
        form = form_of(await request.body())
        if not keys.token_matches(form.get("token", "")):
            signin = signin_of(request)
            flash = ("That is not this service's token." if keys.token is not None else
                     f"This service has no static token to sign in with: sign in with {signin.label}." if signin else
                     "This service has no static token to sign in with.")
            return login_page(request, 401, form.get("next", ""), flash=flash, flash_kind="error")
        cookie, session = keys.issue()
        response = redirect(safe_next(form.get("next")))
        start_session(request, response, cookie, session)
        return response

    @router.get("/login/oidc")
    async def oidc_start(request: Request, next: str = "") -> Response:
        keys, signin = keys_of(request), signin_of(request)
        if keys is None or signin is None:
            return login_page(request, 404, next, flash="This service signs in to the console with its static token "
                              "only: no identity provider is configured (service.oidc_issuer).", flash_kind="error")
        prelogin = new_prelogin(safe_next(next))
        redirect_uri = f"{base_url(request, signin)}{prefix}/login/callback"
        try:
            target = await asyncio.to_thread(signin.authorization_url, redirect_uri, prelogin.state, prelogin.nonce,
                                             code_challenge(prelogin.verifier))
        except SignInFailed as exc:
            return failed(request, exc.message, exc.status, next)
        response = RedirectResponse(target, 303, headers={"cache-control": "no-store", "referrer-policy": "no-referrer"})
        # Lax, not Strict: the provider sends the browser back with a cross-site navigation, which must carry it.
        response.set_cookie(PRELOGIN_COOKIE, seal_prelogin(keys, prelogin), max_age=PRELOGIN_S, path=f"{prefix}/login",
                            httponly=True, samesite="lax", secure=secure(request, signin))
        return response

    @router.get("/login/callback")
    async def oidc_callback(request: Request) -> Response:
        keys, signin = keys_of(request), signin_of(request)
        if keys is None or signin is None:
            return login_page(request, 404, flash="No identity provider is configured (service.oidc_issuer): there "
                              "is no sign-in to come back from.", flash_kind="error")
        params = request.query_params
        if params.get("error"):
            description = params.get("error_description", "")[:_SHOWN]
            return failed(request, f"The identity provider ({signin.label}) did not sign you in: {params['error'][:80]}"
                          + (f" ({description})" if description else "") + ".", 400)
        try:
            prelogin = open_prelogin(keys, request.cookies.get(PRELOGIN_COOKIE))
        except SignInFailed as exc:
            return failed(request, exc.message, exc.status)
        if not hmac.compare_digest(params.get("state", "").encode(), prelogin.state.encode()):
            return failed(request, "The sign-in came back with a state that is not this browser's sign-in (a stale "
                          "tab, a second sign-in started meanwhile, or a forged link): nothing was signed in.", 400,
                          prelogin.next)
        if "iss" in params and params["iss"] != signin.issuer:  # RFC 9207: the answer is another issuer's
            return failed(request, "The sign-in came back from another identity provider than this service's.", 400,
                          prelogin.next)
        if not params.get("code"):
            return failed(request, "The identity provider sent no authorization code.", 400, prelogin.next)
        redirect_uri = f"{base_url(request, signin)}{prefix}/login/callback"
        try:
            signed = await asyncio.to_thread(signin.redeem, params["code"], prelogin.verifier, redirect_uri,
                                             prelogin.nonce)
        except SignInFailed as exc:
            return failed(request, exc.message, exc.status, prelogin.next)
        if not signed.roles:
            return failed(request, f"You signed in as {signed.label()}, but none of your groups grants a role in "
                          "sre-agent (viewer, responder or approver): ask for one (service.oidc_roles maps groups to "
                          "roles).", 403, prelogin.next)
        log.info("console sign-in: %s (sub %s) with roles %s", signed.email or "-", signed.sub, sorted(signed.roles))
        cookie, session = keys.issue(identity=signed, expires=session_expiry(signed.expires_at))
        # A page, not a redirect: the browser arrived here from the provider (a cross-site navigation), and a redirect
        # on from here would still be cross-site -- the SameSite=Strict session cookie would not go with it. The page
        # moves on by itself (meta refresh), a same-site navigation that carries the cookie.
        response = page("moving_on.html", request, target=prelogin.next, title="Signed in",
                        message=f"Signed in as {signed.label()} ({', '.join(sorted(signed.roles))}). On to the console…")
        start_session(request, response, cookie, session)
        if len(signed.id_token) <= MAX_ID_TOKEN_COOKIE:
            response.set_cookie(ID_TOKEN_COOKIE, signed.id_token, max_age=max(1, session.expires - int(time.time())),
                                path=prefix, httponly=True, samesite="strict", secure=secure(request, signin))
        response.delete_cookie(PRELOGIN_COOKIE, path=f"{prefix}/login", httponly=True, samesite="lax")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        session: ConsoleSession | None = getattr(request.state, "console_session", None)
        signin = signin_of(request)
        target = f"{prefix}/login"
        ended = None
        if session is not None and session.identity is not None and signin is not None:
            ended = await asyncio.to_thread(signin.end_session_url, request.cookies.get(ID_TOKEN_COOKIE),
                                            f"{base_url(request, signin)}{prefix}/login")
        # On to the provider by a page of ours, not a redirect: the logout form's page allows forms to post to this
        # service only (CSP form-action 'self'), which a browser also applies to where the post redirects.
        response: Response = redirect(target) if ended is None else page(
            "moving_on.html", request, target=ended, title="Signed out",
            message=f"You are signed out of the console. Ending your session at {signin.label if signin else ''} too…")
        response.delete_cookie(COOKIE, path=prefix, httponly=True, samesite="strict")
        response.delete_cookie(ID_TOKEN_COOKIE, path=prefix, httponly=True, samesite="strict")
        return response

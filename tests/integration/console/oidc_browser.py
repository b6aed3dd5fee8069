"""A browser, as far as the console's OIDC sign-in needs one, driven with httpx: it follows redirects one by one
(so a test can stop at any hop), keeps cookies per host and path, fills the identity provider's login and consent
forms (oidc-provider's development interactions: tests/oidc_provider/server.mjs), and follows a page's meta refresh
-- as a browser does, and as the console's "moving on" pages ask it to."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx

_META_REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')
_FORM = re.compile(r'<form[^>]*\baction="([^"]+)"', re.I)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', re.I)


class Browser:
    def __init__(self, service: str, issuer: str) -> None:
        self.service, self.issuer = service, issuer
        self.client = httpx.Client(timeout=30, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self.client.get(httpx.URL(self.service).join(url), **kwargs)

    def post(self, url: str, data: dict, **headers: str) -> httpx.Response:
        return self.client.post(httpx.URL(self.service).join(url), data=data,
                                headers={"Origin": self.service, **headers})

    def follow(self, response: httpx.Response, *, stop_at: str | None = None, login: str | None = None) -> httpx.Response:
        """Follow redirects, the provider's forms (signing in as `login`, consenting) and meta refreshes, until a
        page that is none of these -- or until a redirect to a URL starting with `stop_at` (not fetched: returned)."""
        for _ in range(20):
            if response.is_redirect:
                target = response.url.join(response.headers["location"])
                if stop_at and str(target).startswith(stop_at):
                    return response
                response = self.client.get(target)
            elif str(response.url).startswith(self.issuer) and _FORM.search(response.text):
                response = self._submit(response, login)
            elif refresh := _META_REFRESH.search(response.text):
                response = self.client.get(response.url.join(html.unescape(refresh.group(1))))
            else:
                return response
        raise AssertionError(f"too many hops, at {response.url}")

    def _submit(self, page: httpx.Response, login: str | None) -> httpx.Response:
        action = html.unescape(_FORM.search(page.text).group(1))
        fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
        if fields.get("prompt") == "login":
            assert login is not None, "the provider asks who signs in"
            fields.update(login=login, password="any")
        if 'id="op.logoutForm"' in page.text:
            fields["logout"] = "yes"  # the "Yes, sign me out" button
        return self.client.post(page.url.join(action), data=fields)

    def to_callback(self, login: str, next_path: str = "/ui/incidents") -> httpx.Response:
        """Start a sign-in at the console and go through the provider until it redirects back to the console's
        callback (that redirect, not followed)."""
        start = self.get("/ui/login/oidc", params={"next": next_path})
        assert start.status_code == 303, start.text
        return self.follow(start, stop_at=f"{self.service}/ui/login/callback", login=login)

    def sign_in(self, login: str, next_path: str = "/ui/incidents") -> httpx.Response:
        """The whole sign-in: the page the browser ends on."""
        return self.follow(self.to_callback(login, next_path))

    def csrf(self, path: str = "/ui/incidents") -> str:
        page = self.get(path)
        assert page.status_code == 200, (page.status_code, page.text[:300])
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header of a response by cookie name (the whole header, lower-cased)."""
    return {header.split("=", 1)[0]: header.lower() for header in response.headers.get_list("set-cookie")}

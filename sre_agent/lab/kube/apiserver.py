"""The lab's Kubernetes API server: the REST surface of kube-apiserver over loopback HTTP, on
top of `ObjectStore`, so that the official `kubernetes` client (and anything built on it, such
as the Kubernetes MCP server) works unmodified through an ordinary kubeconfig.

Served: discovery (/version, /api, /apis, /api/v1, /apis/{group}/{version}); get, list (label
and field selectors, limit/continue paging), create, replace, the three patch types, delete and
deletecollection for every kind in `resources.RESOURCES`, with `dryRun=All`; the status, scale,
log and eviction subresources; metrics.k8s.io from the world hooks; server-side Table output for
`kubectl get` (tables.py); OpenAPI v2/v3 documents generated from the client's models
(openapi.py) and `fieldValidation=Strict` (fieldvalidation.py). Watch streams changes (watch.py). Not served: server-side apply (415),
exec/attach/port-forward (405), CBOR (a CBOR body is 415, which client-go retries as JSON) and protobuf
answers (a protobuf-first Accept is answered with JSON). Protobuf request bodies -- what kubectl's typed
clients write, with no fallback -- are read into JSON first (protobuf.py).

Every request runs `world.sync()` first, so a read sees the world as of the simulated clock's
now; every successful write through HTTP is then reported with `world.after_write(obj)` so the
world can react (create pods for a new ReplicaSet, ...). Neither hook is called with the store
lock held: the world takes its own locks and then the store's, and calling it from inside the
store lock would invert that order and deadlock against any other thread syncing the world.
Errors are always Kubernetes Status objects; nothing a client sends can crash the server.
"""


from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from . import protobuf, routing, tables
from .authn import Authenticator
from .errors import ApiError
from .hooks import NoWorld, WorldHooks
from .messages import Request, Response, error_response
from .store import ObjectStore
from .transport import Handler, HTTPServer
from .watch import WatchHub

log = logging.getLogger(__name__)


class KubeApiServer:
    """Kubernetes API over HTTP/1.1 on `host:port` (port 0 picks a free one), bound at
    construction so `.url` is known before `.start()`."""

    def __init__(self, store: ObjectStore, world: WorldHooks | None = None,
                 host: str = "127.0.0.1", port: int = 0, authenticator: Authenticator | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.store = store
        self.authn = authenticator or Authenticator()  # bearer tokens: the lab's admin, or verified EKS tokens
        self.world: WorldHooks = world or NoWorld()
        self.watches = WatchHub(store)
        # Every committed client write, as kube-apiserver's audit log has it (verb, object): what the world's own
        # controllers do is not here, only what came over HTTP -- how a run's writes to this cluster are counted.
        self.audit: list[str] = []
        self._httpd = HTTPServer((host, port), Handler, self, tls=tls)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self._httpd.tls else 'http'}://{host}:{port}"

    def start(self) -> KubeApiServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                            name=f"lab-apiserver-{self.url}", daemon=True)
            self._thread.start()
        return self

    def serve(self, store: ObjectStore, world: WorldHooks | None = None) -> None:
        """Serve another store and world on the same address (a lab reset): open watches end, clients keep
        their URL and kubeconfig."""
        self.watches.close()
        self.store, self.world = store, world or NoWorld()
        self.watches = WatchHub(store)

    def stop(self) -> None:
        self.watches.close()  # open watches end within a poll interval
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.close_open_connections()  # keep-alive threads would otherwise idle on until timeout
        self._httpd.server_close()

    def __enter__(self) -> KubeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Serve one request; never raises. Usable without sockets (the handler calls this)."""
        parts = urlsplit(target)
        try:
            user = self.authn.authenticate(headers)  # a credential it does not accept: 401, whatever the path
            request = Request(method, parts.path, parse_qs(parts.query, keep_blank_values=True), headers, body, user=user)
            return self._dispatch(request)
        except ApiError as exc:
            return error_response(exc)
        except Exception as exc:  # a bug here or in the world hooks: answer, log, keep serving
            log.exception("lab API server failed on %s %s", method, target)
            return error_response(ApiError(500, "InternalError",
                                           f"internal error in the lab API server while serving {method} {parts.path}: "
                                           f"{type(exc).__name__}: {exc} (the server log has the traceback)"))

    def _dispatch(self, req: Request) -> Response:
        segments = [unquote(s) for s in req.path.split("/") if s]
        host, port = self._httpd.server_address[:2]
        discovery = routing.discovery(req, segments, f"{host}:{port}")
        if discovery is not None:
            return discovery
        route = routing.route(req.path, segments)
        if req.body and req.media_type == protobuf.MEDIA_TYPE:  # kubectl's typed clients write protobuf
            req = protobuf.as_json(req)
        elif req.body:
            tables.refuse_unsupported_body(req.headers.get("Content-Type"))
        self.world.sync()
        with self.store.lock:  # read-modify-write sequences (patch, scale, cascades) are atomic
            response = routing.serve(self, req, route)
        for obj in req.writes:
            meta = obj.get("metadata") or {}
            self.audit.append(f"{req.method} {obj.get('kind')} {meta.get('namespace') or ''}/{meta.get('name')}")
            try:
                self.world.after_write(obj)
            except Exception:  # the write is committed; a world bug must not turn it into an error
                log.exception("world.after_write failed for %s %s/%s", obj.get("kind"),
                              obj["metadata"].get("namespace", ""), obj["metadata"].get("name"))
        return response

"""The lab's AWS endpoint: moto's own server on a loopback port (one per process, shared by every
lab in it, each lab in its own account), the environment a client needs to reach it, and boto3
clients pointed at it."""

from __future__ import annotations

import atexit
import logging
import socket
import threading

import boto3
from botocore.config import Config

from .moto_backend import LabAccount

REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """moto's own ThreadedMotoServer on a free loopback port."""

    def __init__(self, port: int | None = None) -> None:
        from moto.server import ThreadedMotoServer

        self.port = port or free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        # werkzeug sets its logger to INFO on first use, so every request moto serves would reach the
        # CLI's stderr through the root handler: one line per AWS call, burying the progress output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    @classmethod
    def shared(cls) -> MotoServer:
        """One server per process, shared by every lab in it: each lab has its own moto account
        (moto_backend.claim_account), so they never see each other's data, and a lab starts and
        stops in a fraction of a second instead of paying for a server each time."""
        global _shared_server
        with _shared_lock:
            if _shared_server is None:
                server = cls()
                server.start()
                atexit.register(server.stop)
                _shared_server = server
            return _shared_server


_shared_server: MotoServer | None = None
_shared_lock = threading.Lock()


def aws_env(endpoint_url: str, account: LabAccount | None = None) -> dict[str, str]:
    """What a client needs to reach the lab's AWS: the credentials pick the lab's own account."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": account.access_key_id if account else "testing",
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key if account else "testing",
    }


def client(service: str, endpoint_url: str, account: LabAccount | None = None):
    return boto3.client(service, endpoint_url=endpoint_url, region_name=REGION,
                        aws_access_key_id=account.access_key_id if account else "testing",
                        aws_secret_access_key=account.secret_access_key if account else "testing",
                        config=Config(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=30))

"""Throwaway keys, certificates and signed SNS messages for the SNS verifier's tests: a signing
identity like SNS's, and a CA with a 'localhost' server certificate for an HTTPS stand-in."""

from __future__ import annotations

import base64
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from sre_agent.service.sources.sns import SnsMessage, string_to_sign

TOPIC = "arn:aws:sns:eu-west-1:123456789012:sre-alarms"
OTHER_TOPIC = "arn:aws:sns:eu-west-1:123456789012:other"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool = False, sans: list | None = None,
          not_before: datetime | None = None, not_after: datetime | None = None) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before or now - timedelta(days=1)).not_valid_after(not_after or now + timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class SigningIdentity:
    """What SNS signs with: a key and the certificate SigningCertURL serves."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def new(cls, **validity) -> SigningIdentity:
        key = _key()
        return cls(key, _cert("sns.amazonaws.com", key, "sns.amazonaws.com", key, **validity))

    def sign(self, body: dict[str, Any], version: str = "2") -> dict[str, Any]:
        """`body` with SignatureVersion and a Signature over its string to sign, as SNS would send it."""
        body = {**body, "SignatureVersion": version}
        digest = hashes.SHA1() if version == "1" else hashes.SHA256()
        data = string_to_sign(SnsMessage.model_validate(body)).encode()
        body["Signature"] = base64.b64encode(self.key.sign(data, padding.PKCS1v15(), digest)).decode()
        return body


@dataclass
class LocalhostTls:
    """A CA and the certificate (and key) it issued for localhost / 127.0.0.1."""

    ca_pem: bytes
    server_cert_pem: bytes
    server_key_pem: bytes

    @classmethod
    def new(cls) -> LocalhostTls:
        ca_key, server_key = _key(), _key()
        ca = _cert("sre-agent test CA", ca_key, "sre-agent test CA", ca_key, ca=True)
        server = _cert("localhost", server_key, "sre-agent test CA", ca_key,
                       sans=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        key_pem = server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
        return cls(pem(ca), pem(server), key_pem)


def notification(cert_url: str, *, topic: str = TOPIC, subject: str | None = "ALARM: frontend-5xx",
                 message: str = '{"AlarmName": "frontend-5xx", "NewStateValue": "ALARM"}',
                 timestamp: datetime | None = None, message_id: str = "9f6b0c1e-0000-4000-8000-000000000001") -> dict[str, Any]:
    """An unsigned Notification envelope."""
    body = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic, "Message": message,
            "Timestamp": (timestamp or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "SigningCertURL": cert_url,
            "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x"}
    if subject is not None:
        body["Subject"] = subject
    return body


def subscription_confirmation(cert_url: str, subscribe_url: str, *, topic: str = TOPIC,
                              kind: str = "SubscriptionConfirmation") -> dict[str, Any]:
    """An unsigned SubscriptionConfirmation (or UnsubscribeConfirmation) envelope."""
    return {"Type": kind, "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "TopicArn": topic, "Token": "2336412f37fb687f5d51e6e2425",
            "Message": f"You have chosen to subscribe to the topic {topic}.\nTo confirm the subscription, visit the SubscribeURL "
                       "included in this message.", "SubscribeURL": subscribe_url,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "SigningCertURL": cert_url}


class StandIn:
    """An HTTPS server on 127.0.0.1 serving /cert.pem and /confirm, recording every path it is asked for."""

    def __init__(self, tls: LocalhostTls, tmp_path, certificate_pem: bytes) -> None:
        self.paths: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 -- http.server's name
                stand_in.paths.append(self.path)
                if self.path == "/cert.pem":
                    self._answer(200, certificate_pem)
                elif self.path.startswith("/confirm?"):
                    self._answer(200, b"<ConfirmSubscriptionResponse/>")
                else:
                    self._answer(404, b"not found")

            def _answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        (tmp_path / "server.pem").write_bytes(tls.server_cert_pem)
        (tmp_path / "server.key").write_bytes(tls.server_key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "localhost") -> str:
        return f"https://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

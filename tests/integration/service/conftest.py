"""What the SNS tests share: a throwaway CA and signing identity, an HTTPS stand-in for SNS that
serves the signing certificate, and a verifier that trusts exactly that stand-in."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator

import pytest
from sns_fakes import TOPIC, LocalhostTls, SigningIdentity, StandIn, pem

from sre_agent.service.sources.sns import SnsVerifier


@pytest.fixture(scope="module")
def tls() -> LocalhostTls:
    return LocalhostTls.new()


@pytest.fixture(scope="module")
def identity() -> SigningIdentity:
    return SigningIdentity.new()


@pytest.fixture
def stand_in(tls, identity, tmp_path) -> Iterator[StandIn]:
    server = StandIn(tls, tmp_path, pem(identity.certificate))
    yield server
    server.stop()


@pytest.fixture
def verifier(tls, stand_in) -> SnsVerifier:
    trust = ssl.create_default_context(cadata=tls.ca_pem.decode())
    return SnsVerifier([TOPIC], cert_host=re.compile(r"^localhost$"), ssl_context=trust, ports=(stand_in.port,))

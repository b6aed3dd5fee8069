"""The one quantity parser and the one resource-id helper of the MCP servers, and where the SSM
server finds its runbooks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mcp_servers.common.settings import ServerSettings
from mcp_servers.kubernetes.ids import names_exactly, resource_id
from mcp_servers.kubernetes.quantity import mebibytes, millicores, parse_quantity
from mcp_servers.ssm.library import builtin_runbooks_dir
from mcp_servers.ssm.server import runbooks_dir_of


@pytest.mark.parametrize(("text", "value"), [
    ("512Mi", Decimal(512 * 2**20)), ("250m", Decimal("0.25")), ("1.5", Decimal("1.5")), ("1e3", Decimal(1000)),
    ("2k", Decimal(2000)), (3, Decimal(3)), ("", None), ("lots", None), (None, None),
])
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize(("text", "cores_m"), [("250m", 250), ("1.5", 1500), ("120000n", 0.12), (None, 0)])
def test_millicores(text, cores_m):
    assert millicores(text) == pytest.approx(cores_m)


@pytest.mark.parametrize(("text", "mib"), [("512Mi", 512), ("1Gi", 1024), ("2048Ki", 2), (str(3 * 2**20), 3), (None, 0)])
def test_mebibytes(text, mib):
    assert mebibytes(text) == pytest.approx(mib)


@pytest.mark.parametrize(("kind", "name", "namespace", "expected"), [
    ("Deployment", "payment-api", "shop", "shop/Deployment/payment-api"),
    ("Node", "node-3", "shop", "Node/node-3"),
    ("PersistentVolume", "pv-1", None, "PersistentVolume/pv-1"),
    ("Pod", "web-1", None, "Pod/web-1"),
])
def test_resource_id(kind, name, namespace, expected):
    assert resource_id(kind, name, namespace) == expected


def test_runbooks_default_to_the_builtin_library(tmp_path):
    assert runbooks_dir_of(ServerSettings()) == builtin_runbooks_dir()
    assert runbooks_dir_of(ServerSettings(no_builtin_runbooks=True)) is None
    assert runbooks_dir_of(ServerSettings(runbooks_dir=tmp_path)) == tmp_path
    with pytest.raises(SystemExit, match="not a directory"):
        runbooks_dir_of(ServerSettings(runbooks_dir=Path(tmp_path / "missing")))


@pytest.mark.parametrize("query, kind, name, exact", [
    ("checkout", "Deployment", "checkout", True), ("check", "Deployment", "checkout", False),
    ("ip-10-0-1-5", "Node", "ip-10-0-1-5.eu-west-1.compute.internal", True),  # a node by its hostname
    ("ip-10-0-1", "Node", "ip-10-0-1-5.eu-west-1.compute.internal", False),
    ("api", "Deployment", "api.v2", False)])  # only a node's name is a DNS name with a hostname
def test_a_name_typed_whole_or_a_nodes_hostname_names_it_exactly(query, kind, name, exact):
    assert names_exactly(query, kind, name) is exact

"""How the lab's store names what it creates: version-4 uids drawn from the store's seeded random
source (the same uids every run), generateName suffixes in Kubernetes' alphabet, and Service
cluster IPs handed out in order from 10.96.0.0/16."""

from __future__ import annotations

import random
from collections.abc import Container

from .errors import ApiError

_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' suffix alphabet (no vowels)


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, so a seeded store hands out the same uids every run."""
    h = f"{(rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def generate_name(prefix: object, rng: random.Random, taken: Container[str]) -> str:
    """`prefix` plus five random characters, unused among `taken` (metadata.generateName)."""
    if not isinstance(prefix, str):
        raise ApiError.bad_request(f"metadata.generateName must be a string, got {prefix!r}")
    for _ in range(100):
        name = prefix + "".join(rng.choice(_GENERATE_ALPHABET) for _ in range(5))
        if name not in taken:
            return name
    raise ApiError(500, "InternalError", f"could not generate a unique name from {prefix!r}")


def assign_cluster_ip(svc: dict, old: dict | None, next_ip: int) -> bool:
    """Give a Service its cluster IP (kept across updates); True when it took `next_ip`."""
    spec = svc.setdefault("spec", {})
    if spec.get("type") == "ExternalName":
        return False
    if not spec.get("clusterIP") and old is not None:
        spec["clusterIP"] = (old.get("spec") or {}).get("clusterIP")
    took = False
    if not spec.get("clusterIP"):
        spec["clusterIP"] = f"10.96.{next_ip // 256 % 256}.{next_ip % 256}"
        took = True
    if spec["clusterIP"] != "None":
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    return took

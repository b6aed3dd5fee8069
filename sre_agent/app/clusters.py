"""Several clusters as configuration (the config file's `clusters:` list) and the run options of one of them.

    clusters:
      - name: prod-eu                  # as its alarms name it: Container Insights' ClusterName, Alertmanager's `cluster`
        context: prod-eu               # kubeconfig context (default: the name)
        aws_account: "111122223333"    # the account its alarms come from (EventBridge / SNS routing)
        aws_profile: prod-eu           # what its CloudWatch and SSM are read with (default: aws.profile)
        namespaces: [shop, payments]   # where fixes may land in it (default: policy.namespaces)
        remediation: approve           # this cluster's write policy (default: policy.remediation)
      - name: staging
        eks: {region: eu-west-1}       # an EKS cluster by name: no kubeconfig, tokens minted like `aws eks get-token`

An empty list is the single-cluster responder (kubernetes.context / aws.profile), as before. With a list, every
incident is routed to one of them (app/cluster_routing.py) and runs with `options_for_cluster`: its own kubernetes
server bound to that cluster (`--cluster-name` pins its writes), its own AWS profile and write policy."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .options import RunOptions

NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"  # EKS cluster names: letters, digits, '-', '_' (and '.' elsewhere)


class EksCluster(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(None, description="the cluster's region (default: the cluster's aws_region, then aws.region)")
    name: str | None = Field(None, description="the EKS cluster's name when it differs from the entry's name")


class ClusterSettings(BaseModel):
    """One entry of the config file's `clusters` list."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME, description="the cluster as its alarms name it (ClusterName dimension, `cluster` "
                                                "label); also what incidents, reports and the console show")
    context: str | None = Field(None, description="kubeconfig context (default: the name); not with eks")
    kubeconfig: Path | None = Field(None, description="kubeconfig file (default: kubernetes.kubeconfig, KUBECONFIG, "
                                                      "~/.kube/config)")
    eks: EksCluster | None = Field(None, description="an EKS cluster reached by name and region, its tokens minted "
                                                     "like `aws eks get-token`, no kubeconfig")
    aws_account: str | None = Field(None, pattern=r"^\d{12}$", description="the AWS account its alarms come from")
    aws_profile: str | None = Field(None, description="AWS profile its CloudWatch and SSM are read with "
                                                      "(default: aws.profile)")
    aws_region: str | None = Field(None, description="its AWS region (default: aws.region)")
    namespaces: list[str] | None = Field(None, description="where fixes may land in it (default: policy.namespaces)")
    remediation: Literal["auto", "approve", "off"] | None = Field(None, description="its write policy "
                                                                                   "(default: policy.remediation)")

    @model_validator(mode="after")
    def _one_way_in(self) -> ClusterSettings:
        if self.eks is not None and (self.context or self.kubeconfig):
            raise ValueError(f"cluster {self.name!r}: give eks or a kubeconfig context, not both")
        return self

    def where(self) -> str:
        """How it is reached, for messages: `context prod-eu`, `EKS staging in eu-west-1`."""
        if self.eks is not None:
            return f"EKS {self.eks.name or self.name} in {self.eks.region or self.aws_region or 'the default region'}"
        return f"context {self.context or self.name}"


def unique_clusters(clusters: list[ClusterSettings]) -> list[ClusterSettings]:
    seen: set[str] = set()
    for cluster in clusters:
        if cluster.name in seen:
            raise ValueError(f"cluster {cluster.name!r} is listed twice: each cluster needs its own name")
        seen.add(cluster.name)
    return clusters


def _without(args: list[str], *flags: str) -> list[str]:
    """`args` minus each `--flag value` pair named."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in flags:
            skip = True
        else:
            kept.append(arg)
    return kept


def options_for_cluster(options: RunOptions, cluster: ClusterSettings) -> RunOptions:
    """The options of a run in `cluster`: the kubernetes server bound to it (and named after it, so a write pinned
    to another cluster is refused by the server), its AWS profile and region for CloudWatch and SSM, its write
    policy and namespace allow-list. What the cluster does not say stays as configured for every cluster."""
    args = {name: list(flags) for name, flags in options.server_args.items()}
    kube = _without(args.get("kubernetes", []), "--kubeconfig", "--context", "--eks-cluster", "--cluster-name")
    if cluster.eks is not None:
        region = cluster.eks.region or cluster.aws_region
        kube += ["--eks-cluster", cluster.eks.name or cluster.name, *(["--region", region] if region else []),
                 *(["--profile", cluster.aws_profile] if cluster.aws_profile else [])]
    else:
        kubeconfig = cluster.kubeconfig or options.server_flag("kubernetes", "--kubeconfig")
        kube += [*(["--kubeconfig", str(kubeconfig)] if kubeconfig else []), "--context", cluster.context or cluster.name]
    args["kubernetes"] = [*kube, "--cluster-name", cluster.name]
    region = cluster.aws_region or (cluster.eks.region if cluster.eks else None)  # its alarms are where it runs
    for server in ("cloudwatch", "ssm"):
        flags = _without(args.get(server, []), *(["--profile"] if cluster.aws_profile else []),
                         *(["--region"] if region else []))
        args[server] = [*flags, *(["--profile", cluster.aws_profile] if cluster.aws_profile else []),
                        *(["--region", region] if region else [])]
    return options.model_copy(update={
        "cluster": cluster.name, "server_args": args,
        "namespaces": options.namespaces if cluster.namespaces is None else list(cluster.namespaces),
        "remediation": cluster.remediation or options.remediation})

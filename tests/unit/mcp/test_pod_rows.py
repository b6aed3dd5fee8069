"""A pod row (get_resources kind=Pod) says what is wrong with each container; a pull problem names the image it
cannot pull, so "which tag?" needs no describe."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.summaries import pod_summary


def _pod(waiting_reason: str, image: str = "ecr.example/shop/api:9.9.9") -> dict:
    return {"metadata": {"name": "api-1", "namespace": "shop"},
            "spec": {"containers": [{"name": "api", "image": image}], "nodeName": "n1"},
            "status": {"phase": "Pending", "containerStatuses": [
                {"name": "api", "image": image, "ready": False, "restartCount": 0,
                 "state": {"waiting": {"reason": waiting_reason}}}]}}


def test_a_pull_problem_names_the_image():
    row = pod_summary(_pod("ImagePullBackOff"))
    assert row["status"] == "ImagePullBackOff"
    assert row["problems"] == ["api: ImagePullBackOff (ecr.example/shop/api:9.9.9)"]
    assert pod_summary(_pod("ErrImagePull"))["problems"] == ["api: ErrImagePull (ecr.example/shop/api:9.9.9)"]


def test_other_waiting_reasons_stay_as_kubectl_words_them():
    assert pod_summary(_pod("CreateContainerConfigError"))["problems"] == ["api: CreateContainerConfigError"]


def _initialising(*init_states: dict) -> dict:
    pod = _pod("PodInitializing")
    pod["spec"]["initContainers"] = [{"name": f"init-{i}"} for i in range(len(init_states))]
    pod["status"]["initContainerStatuses"] = [{"name": f"init-{i}", "state": state} for i, state in enumerate(init_states)]
    return pod



@pytest.mark.parametrize(("states", "status", "problem"), [
    (({"running": {}},), "Init:0/1", "init container init-0 has not finished (the app containers wait for it)"),
    (({"terminated": {"exitCode": 0}}, {"running": {}}), "Init:1/2", "init container init-1 has not finished"),
    (({"waiting": {"reason": "ImagePullBackOff"}},), "Init:ImagePullBackOff", "init container init-0: ImagePullBackOff"),
    (({"terminated": {"exitCode": 1, "reason": "Error"}},), "Init:Error", "init container init-0: exited Error (1)"),
])
def test_a_pod_waiting_on_its_init_containers_reads_as_kubectl_prints_it(states, status, problem):
    row = pod_summary(_initialising(*states))
    assert row["status"] == status and any(p.startswith(problem) for p in row["problems"])

"""A pod row (get_resources kind=Pod) says what is wrong with each container; a pull problem names the image it
cannot pull, so "which tag?" needs no describe."""

from __future__ import annotations

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

"""Where escalations go: an SNS topic and/or a Slack/Teams incoming webhook."""

from __future__ import annotations

import json
import logging
import urllib.request

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, sns_topic_arn: str | None = None, webhook_url: str | None = None, sns_client=None) -> None:
        self.sns_topic_arn = sns_topic_arn
        self.webhook_url = webhook_url
        self._sns = sns_client

    def send(self, subject: str, message: str) -> list[str]:
        delivered = []
        if self.sns_topic_arn:
            try:
                if self._sns is None:
                    import boto3

                    self._sns = boto3.client("sns")
                self._sns.publish(TopicArn=self.sns_topic_arn, Subject=subject, Message=message)
                delivered.append(f"sns:{self.sns_topic_arn}")
            except Exception as exc:  # a page that fails must not lose the report: it is logged and noted
                log.warning("SNS escalation failed: %s", exc)
        if self.webhook_url:
            body = json.dumps({"text": f"*{subject}*\n{message}"}).encode()
            request = urllib.request.Request(self.webhook_url, data=body, headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=10).close()
                delivered.append(f"webhook:{self.webhook_url.split('?')[0]}")
            except Exception as exc:
                log.warning("webhook escalation failed: %s", exc)
        return delivered

"""Where people are told: Slack and Teams incoming webhooks, a generic JSON webhook and an SNS
topic. `Notifier` sends escalations, approval requests and (optionally) run endings to every
configured channel and returns one `Delivery` per channel, so a caller can say exactly what was
delivered where, and what failed and why."""

from __future__ import annotations

from .channels import Channel, Notice, SendError, SlackChannel, SnsChannel, TeamsChannel, WebhookChannel
from .notifier import Delivery, Notifier

__all__ = ["Channel", "Delivery", "Notice", "Notifier", "SendError", "SlackChannel", "SnsChannel", "TeamsChannel",
           "WebhookChannel"]

"""Where alarms come from besides a raw POST: Amazon SNS HTTP/S deliveries and Alertmanager webhooks."""

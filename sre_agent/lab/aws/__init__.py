"""The lab's AWS, on top of the world: moto's server on loopback (server.py), one account per lab
(moto_backend.py, the only module touching moto internals), the feed that samples the world into
CloudWatch metrics, logs, alarms and SNS every simulated minute (feed.py), and the AWS-managed SSM
documents moto lacks (ssm_documents.py)."""

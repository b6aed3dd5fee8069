"""The control plane's controllers, one module each, as Kubernetes runs them: Deployment -> ReplicaSet ->
Pod, StatefulSet, DaemonSet (with ControllerRevisions), CronJob -> Job, HorizontalPodAutoscaler, node
lifecycle, PersistentVolumeClaim binding, ResourceQuota and Endpoints.

Each reconcile function takes the world (through the narrow `ClusterContext` in ../context.py), writes
only through the store, and returns whether it changed anything so the world can run passes until
the cluster settles."""

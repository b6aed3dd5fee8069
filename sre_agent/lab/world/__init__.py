"""The cluster's behaviour, on top of the API emulator: the sync loop (world.py) that runs the
controllers (controllers/), the scheduler, each pod's kubelet (kubelet.py, container_plan.py) and the
traffic model (telemetry.py) up to the simulated clock's now, plus the events they record and the
container images whose behaviour is data (images.py, catalog/images.yaml). Its parts reach the world
only through the protocols in context.py."""

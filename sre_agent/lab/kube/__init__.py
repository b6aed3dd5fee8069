"""The Kubernetes API emulator, the bottom layer of the lab: an object store with kube-apiserver's
storage semantics (store.py, with defaulting.py and validation.py), the REST surface over loopback
HTTP that the official client talks to (apiserver.py: transport, routing, verb handlers,
subresources; tables.py and printers.py for `kubectl get` columns, openapi.py and
fieldvalidation.py for `apply`/`explain`, watch.py, reviews.py for `auth can-i`), and the helpers
both use (patch, selectors, resources, quantity, kubeconfig, and the
informer the world reads through). It knows nothing of the world above it: the world plugs in
through `hooks.WorldHooks`."""

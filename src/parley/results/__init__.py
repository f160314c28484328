"""The results folder on disk: durable writes, locks, manifests, loading."""

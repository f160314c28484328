"""Metamorphic relations of the model (docs/MONOTONE.md)."""

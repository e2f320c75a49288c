"""Interchange formats of INTERCHANGE.md: JSON Schemas, readers and writers (no Django here)."""

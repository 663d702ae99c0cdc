"""Faults caused for real: the database, the worker, Stripe and storage (docs/fault-tolerance.md)."""

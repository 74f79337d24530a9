"""Cross-checks of netsim's link models against SimGrid (see docs/validation.md)."""

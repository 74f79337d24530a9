"""Peer and server algorithms over stacked state, and their registry (``registry``)."""

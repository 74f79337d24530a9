"""The per-agent classes netsim's peer algorithms were first written as, frozen here as a
bit-identity oracle for the stacked kernels (tests/test_batched_engine.py): one object per
agent, per-agent arithmetic, driven through :class:`oracle.build.AgentLoop`."""

"""SimPy processes that decide when the kernels run and what crosses the network."""

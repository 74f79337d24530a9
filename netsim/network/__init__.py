"""Communication graphs, mixing matrices, links and the network that moves messages."""

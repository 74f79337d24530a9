"""The per-agent message type of the oracle classes."""

from typing import NamedTuple

import numpy as np


class Outgoing(NamedTuple):
    """One message an agent hands to the network (dst None: broadcast)."""

    dst: int | None
    value: np.ndarray
    bits: int

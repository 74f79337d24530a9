"""Compressed gossip baselines (spec ``lt_admm_cc.md`` §6): LEAD, CEDAS, COLD, DPDC, CHOCO-SGD, DGD.

The import path of the six kernels: the shared base in :mod:`netsim.algorithms.gossip_base`
(its docstring gives the model), the methods by family in
:mod:`netsim.algorithms.gossip_stepped` (LEAD, CEDAS, CHOCO-SGD) and
:mod:`netsim.algorithms.gossip_gradient_first` (COLD, DPDC, DGD).
"""

from __future__ import annotations

from netsim.algorithms.gossip_base import GossipBase, auto_step
from netsim.algorithms.gossip_gradient_first import ColdBatch, DgdBatch, DpdcBatch
from netsim.algorithms.gossip_stepped import CedasBatch, ChocoBatch, LeadBatch

__all__ = ["GossipBase", "LeadBatch", "CedasBatch", "ChocoBatch", "ColdBatch", "DpdcBatch",
           "DgdBatch", "auto_step"]

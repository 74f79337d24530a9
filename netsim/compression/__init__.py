"""Compressors with exact bit accounting, as composable pure transforms (Optax style).

Bits: identity dim x float_bits; b-bit quantizer dim x b + 32 (float32 scale; b bits per
entry, the LEAD convention, although sign + levels are 2^b + 1 symbols); sparsifiers
k x 32 + k x ceil(log2 dim). See :mod:`netsim.compression.base`.
"""

from netsim.compression.base import (
                                     Compressed,
                                     Compressor,
                                     dither,
                                     float32_up,
                                     identity,
                                     qsgd,
                                     quantizer,
                                     rand_k,
                                     top_k,
)
from netsim.compression.registry import list_compressors, make_compressor
from netsim.compression.wrappers import apply_delta, error_feedback, scaled, shared_estimate

__all__ = ["Compressed", "Compressor", "identity", "quantizer", "dither", "qsgd", "rand_k", "top_k",
           "error_feedback", "shared_estimate", "apply_delta", "scaled", "make_compressor",
           "list_compressors", "float32_up"]

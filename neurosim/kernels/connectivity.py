"""Random connectivity drawn straight into CSR arrays (:class:`neurosim.Random`).

A ``(n_pre, n_post)`` Bernoulli(p) matrix is the set of flat positions
``r * n_post + c`` reached by the running sums of geometric gaps (the waiting
times of Bernoulli(p) trials). :func:`csr_append` turns a chunk of such gaps
(given as ``ceil(draw / div)``: numpy's own inversion of standard exponential
draws for ``p < 1/3``) into column indices and row counts in one pass, so a
network's synapses are written once, into their final int32 array, without
the flat positions, rows, columns and masks that the same computation needs
as numpy temporaries (about 40 bytes per synapse at its peak, against the 4
bytes kept).
"""

from __future__ import annotations

import math

from .._jit import njit


@njit
def csr_append(draws, div, state, total, n_post, self_offset, counts, cols):
    """Append the pairs at flat positions ``pos + cumsum(gaps)`` below ``total``.

    Parameters
    ----------
    draws : (k,) float64 ndarray
        The gaps (>= 1) between successive connected pairs are
        ``ceil(draws / div)``: for ``p < 1/3``, standard exponential draws and
        ``div = -log1p(-p)``, which is how ``numpy.random.Generator.geometric``
        makes them (the same gaps from the same stream); otherwise the gaps
        themselves (integers as floats) and ``div = 1``.
    div : float
        See ``draws``.
    state : (3,) int64 ndarray
        ``[pos, row, n]``: the flat position of the last pair (-1 before the
        first), its row, and the number of pairs kept; updated in place.
    total : int
        ``n_pre * n_post``: positions from ``total`` on are past the matrix.
    n_post : int
        Row length (number of columns).
    self_offset : int
        Pairs with ``row == col + self_offset`` are dropped (self-connections
        of a group connected to itself); any value ``<= -n_post`` or
        ``>= n_pre`` drops none.
    counts : (n_pre + 1,) int64 ndarray
        ``counts[r + 1]`` is incremented for each pair kept in row ``r`` (their
        running sum is the CSR ``indptr``).
    cols : (capacity,) int32 ndarray
        ``cols[n]`` receives each kept pair's column, in row-major order.

    Returns
    -------
    bool
        True when a position reached ``total`` (the rest of ``gaps`` is
        unused: the draw is complete).

    Notes
    -----
    Gaps past ``2**53`` would lose their last bits as floats; callers cap
    them past ``total`` first.
    """
    pos = state[0]
    row = state[1]
    n = state[2]
    row_end = (row + 1) * n_post
    done = False
    for k in range(draws.shape[0]):
        pos += int(math.ceil(draws[k] / div))
        if pos >= total:
            done = True
            break
        while pos >= row_end:
            row += 1
            row_end += n_post
        col = pos - (row_end - n_post)
        if row != col + self_offset:
            cols[n] = col
            counts[row + 1] += 1
            n += 1
    state[0] = pos
    state[1] = row
    state[2] = n
    return done

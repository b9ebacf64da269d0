"""Random connectivity drawn straight into the simulator's CSR arrays."""

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
import neurosim.sim.network as network
from neurosim.kernels import network as K


def naive_random(p, n_pre, n_post, rng, self_offset=None, allow_self=True):
    """The pairs as numpy temporaries: flat positions = running sums of gaps.

    Each pass draws ``first_pass(expect)`` geometric gaps at once (the stream
    :meth:`Random.draw` must reproduce) and keeps the positions below
    ``n_pre * n_post``; rows and columns by division.
    """
    total = n_pre * n_post
    chunks, pos, expect = [], -1, p * total
    while True:
        gaps = rng.geometric(p, size=network._first_pass(expect))
        idx = pos + np.cumsum(gaps)
        chunks.append(idx[idx < total])
        if chunks[-1].size < idx.size:
            break
        pos = int(idx[-1])
        expect = p * (total - pos)
    flat = np.concatenate(chunks)
    rows, cols = flat // n_post, flat % n_post
    if not allow_self and self_offset is not None:
        keep = rows != cols + self_offset
        rows, cols = rows[keep], cols[keep]
    return scipy.sparse.csr_matrix(
        (np.ones(rows.size), (rows, cols)), shape=(n_pre, n_post)
    )


@pytest.mark.parametrize(
    "p, n_pre, n_post, offset, allow_self",
    [
        (8e-4, 3000, 4000, None, True),
        (0.05, 300, 200, 0, False),
        (0.5, 40, 40, -3, False),
        (0.9, 30, 50, 7, True),
    ],
)
def test_draw_matches_the_numpy_construction_and_leaves_the_same_stream(
    p, n_pre, n_post, offset, allow_self
):
    W = ns.Random(p, 1.0, allow_self=allow_self)
    rng, ref_rng = np.random.default_rng(4), np.random.default_rng(4)
    indptr, cols = W.draw(n_pre, n_post, rng, offset)
    ref = naive_random(p, n_pre, n_post, ref_rng, offset, allow_self)
    assert cols.dtype == np.int32 and indptr.dtype == np.int64
    np.testing.assert_array_equal(indptr, ref.indptr)
    np.testing.assert_array_equal(cols[: indptr[-1]], ref.indices)
    # the network's next draws are unchanged
    assert rng.random() == ref_rng.random()


def test_draw_with_several_passes_and_a_full_output(monkeypatch):
    # passes far shorter than needed: the draw goes on from where each stops,
    # and grows a given output whose room runs out, keeping what it held
    monkeypatch.setattr(network, "_first_pass", lambda expect: int(expect / 7) + 1)
    rng, ref_rng = np.random.default_rng(5), np.random.default_rng(5)
    out = np.full(10, -5, dtype=np.int32)
    indptr, out = ns.Random(0.02, 1.0).draw(200, 300, rng, None, out, at=3)
    ref = naive_random(0.02, 200, 300, ref_rng)
    assert np.all(out[:3] == -5)
    np.testing.assert_array_equal(out[3 : 3 + indptr[-1]], ref.indices)
    np.testing.assert_array_equal(indptr, ref.indptr)


def test_full_and_empty_probabilities():
    rng = np.random.default_rng(0)
    indptr, cols = ns.Random(1.0, 1.0, allow_self=False).draw(4, 4, rng, 0)
    dense = np.ones((4, 4)) - np.eye(4)
    got = scipy.sparse.csr_matrix(
        (np.ones(indptr[-1]), cols[: indptr[-1]], indptr), shape=(4, 4)
    )
    np.testing.assert_array_equal(got.toarray(), dense)
    indptr, _ = ns.Random(0.0, 1.0).draw(4, 4, rng)
    assert np.all(indptr == 0)


def _two_groups(weights, seed=3):
    """Spike sources (no random draws) into LIF neurons through ``weights``."""
    src = np.random.default_rng(11)
    net = ns.Network(seed=seed)
    drive = net.add(
        ns.NeuronGroup(60, ns.SpikeSource([src.random(20) * 0.2 for _ in range(60)]))
    )
    P = net.add(ns.NeuronGroup(50, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
    net.connect(drive, P, weights, synapse=ns.Lowpass(0.005))
    mon = net.monitor_spikes(P)
    return ns.Simulator(net, dt=1e-4, backend="cpu", progress=False), mon


def test_random_weights_are_one_value_not_an_array_per_synapse():
    sim, mon = _two_groups(ns.Random(0.3, 0.02))
    a = sim._built.arrays
    (row,) = a["con_i"]
    assert row[0] == K.CON_CSR_CONST
    assert a["sidx"].dtype == np.int32 and a["sidx"].size == sim.n_synapses
    assert a["sdat"].size == 1  # the placeholder of an empty array
    sim.run(0.2)
    # the same pairs given as an explicit sparse matrix (weights per synapse):
    # the same spikes, bit for bit
    W = ns.Random(0.3, 0.02).sample(60, 50, np.random.default_rng(3))
    ref, ref_mon = _two_groups(W)
    assert ref._built.arrays["con_i"][0, 0] == K.CON_CSR
    ref.run(0.2)
    assert mon.indices.size > 50  # the neurons did spike
    np.testing.assert_array_equal(mon.indices, ref_mon.indices)
    np.testing.assert_array_equal(mon.times, ref_mon.times)


def test_random_beside_sparse_weights_keeps_them_apart():
    # sdat is parallel to sidx: beside a connection with a weight per synapse
    # a Random connection stores weights per synapse too, and each reads its own
    def run(first):
        src = np.random.default_rng(11)
        net = ns.Network(seed=3)
        drive = net.add(
            ns.NeuronGroup(
                60, ns.SpikeSource([src.random(20) * 0.2 for _ in range(60)])
            )
        )
        P = net.add(ns.NeuronGroup(50, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
        net.connect(drive, P, first, synapse=ns.Lowpass(0.005))
        second = scipy.sparse.random(60, 50, density=0.2, random_state=1) * 0.05
        net.connect(drive, P, second.tocsr(), synapse=ns.Lowpass(0.01))
        mon = net.monitor_spikes(P)
        sim = ns.Simulator(net, dt=1e-4, backend="cpu", progress=False)
        sim.run(0.2)
        return sim, mon

    sim, mon = run(ns.Random(0.3, 0.02))
    assert list(sim._built.arrays["con_i"][:, 0]) == [K.CON_CSR, K.CON_CSR]
    W = ns.Random(0.3, 0.02).sample(60, 50, np.random.default_rng(3))
    _, ref = run(W)
    assert mon.indices.size > 50
    np.testing.assert_array_equal(mon.indices, ref.indices)
    np.testing.assert_array_equal(mon.times, ref.times)

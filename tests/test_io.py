"""Saving and loading fitted models (``ns.save`` / ``ns.load``), and bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import neurosim as ns
from neurosim import ann, learning
from neurosim.exceptions import FileFormatError
from neurosim.io import read_file, write_file


def roundtrip(obj, tmp_path, name="obj.npz"):
    path = tmp_path / name
    ns.save(obj, path)
    return ns.load(path)


@pytest.fixture
def data(rng):
    X = rng.standard_normal((40, 4))
    y = np.arange(40) % 3
    V = (rng.random((30, 6)) < 0.5).astype(float)
    P = np.sign(rng.standard_normal((3, 32)))
    return X, y, V, P


def test_nef_population_and_decoder(tmp_path, rng):
    pop = ns.Population(
        40, 2, seed=3, max_rates=ns.dists.Uniform(100, 200), neuron=ns.LIF(0.02, 0.001)
    )
    x = rng.uniform(-1, 1, (25, 2))
    dec = ns.Decoder(solver=ns.LstsqL2(reg=0.05)).fit(pop.rates(x), x[:, :1] ** 2)
    pop2, dec2 = roundtrip(pop, tmp_path, "p.npz"), roundtrip(dec, tmp_path, "d.npz")
    assert type(pop2) is ns.Population and type(dec2.solver) is ns.LstsqL2
    np.testing.assert_array_equal(pop2.rates(x), pop.rates(x))
    np.testing.assert_array_equal(dec2.predict(pop.rates(x)), dec.predict(pop.rates(x)))
    assert dec2.rmse_ == dec.rmse_ and dec2.solver.reg == 0.05


def test_energy_models(tmp_path, data):
    _, _, V, P = data
    hop = ns.Hopfield().fit(P)
    cues = np.where(np.arange(P.size).reshape(P.shape) % 7 == 0, -P, P)
    np.testing.assert_array_equal(
        roundtrip(hop, tmp_path).predict(cues, seed=1), hop.predict(cues, seed=1)
    )
    mh = ns.ModernHopfield(beta=2.0).fit(P)
    np.testing.assert_array_equal(
        roundtrip(mh, tmp_path).predict(cues), mh.predict(cues)
    )
    rbm = ns.RBM(6, 4, seed=0).fit(V, epochs=2)
    rbm2 = roundtrip(rbm, tmp_path)
    np.testing.assert_array_equal(rbm2.free_energy(V), rbm.free_energy(V))
    # the generator state travels too: training on gives the same weights
    rbm.fit(V, epochs=1)
    rbm2.fit(V, epochs=1)
    np.testing.assert_array_equal(rbm2.weights_, rbm.weights_)


def test_learning_rules(tmp_path, data):
    X, y, _, _ = data
    oja = learning.Oja(2, seed=0).fit(X * 0.3)
    oja2 = roundtrip(oja, tmp_path)
    oja.partial_fit(X[:5] * 0.3)
    oja2.partial_fit(X[:5] * 0.3)  # continues from the same weights
    np.testing.assert_array_equal(oja2.weights_, oja.weights_)
    pes = learning.PES(1e-3).partial_fit(np.abs(X), X[:, :2])
    np.testing.assert_array_equal(roundtrip(pes, tmp_path).predict(X), pes.predict(X))
    perc = learning.Perceptron(epochs=3, seed=0).fit(X, y > 0)
    np.testing.assert_array_equal(roundtrip(perc, tmp_path).predict(X), perc.predict(X))
    pc = learning.PredictiveCoding([4, 6, 3], seed=0, variances=[0.5, 2.0])
    pc.fit(X, y, epochs=1, batch_size=8)
    pc2 = roundtrip(pc, tmp_path)
    np.testing.assert_array_equal(pc2.decision_function(X), pc.decision_function(X))
    fa = learning.FeedbackAlignment([4, 6, 3], seed=0).fit(X, y, epochs=1)
    np.testing.assert_array_equal(roundtrip(fa, tmp_path).predict(X), fa.predict(X))


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: ann.MLP([4, 6, 3], dropout=0.2, seed=0), (5, 4)),
        (lambda: ann.LSTM(4, 5, num_layers=2, seed=0), (3, 2, 4)),
        (lambda: ann.GRU(4, 5, seed=0), (3, 2, 4)),
        (lambda: ann.RNN(4, 5, seed=0), (3, 2, 4)),
        (lambda: ann.MinGRU(4, 5, seed=0), (3, 2, 4)),
        (lambda: ann.MultiHeadAttention(4, 2, seed=0), (3, 2, 4)),
        (lambda: ann.TransformerEncoder(2, 4, 2, 8, seed=0, dropout=0.0), (3, 2, 4)),
        (
            lambda: ann.Sequential(ann.Linear(4, 3, seed=0), ann.Activation("tanh")),
            (5, 4),
        ),
    ],
)
def test_ann_modules(tmp_path, rng, make, shape):
    m = make().eval()
    x = rng.standard_normal(shape)
    out = m(x)
    out = out[0] if isinstance(out, tuple) else out
    m2 = roundtrip(m, tmp_path)
    out2 = m2(x)
    out2 = out2[0] if isinstance(out2, tuple) else out2
    np.testing.assert_array_equal(out2.data, out.data)
    assert sorted(m2.state_dict()) == sorted(m.state_dict())


def test_batchnorm_keeps_running_statistics(tmp_path, rng):
    bn = ann.BatchNorm1d(3)
    for _ in range(5):
        bn(rng.standard_normal((16, 3)) * 4 + 2)
    bn.eval()
    x = rng.standard_normal((8, 3))
    bn2 = roundtrip(bn, tmp_path)
    np.testing.assert_array_equal(bn2(x).data, bn(x).data)
    assert int(bn2.num_batches_tracked) == 5
    fresh = ann.BatchNorm1d(3)
    fresh.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(fresh.eval()(x).data, bn(x).data)


def test_batchnorm_loads_torch_state(rng):
    torch = pytest.importorskip("torch")
    tb = torch.nn.BatchNorm1d(3).double()
    for _ in range(4):
        tb(torch.from_numpy(rng.standard_normal((10, 3)) * 3 + 1))
    tb.eval()
    ours = ann.BatchNorm1d(3)
    ours.load_state_dict(tb.state_dict())  # running_mean/var, num_batches_tracked
    ours.eval()
    x = rng.standard_normal((6, 3))
    # same formula on the same statistics: rounding only
    np.testing.assert_allclose(
        ours(x).data, tb(torch.from_numpy(x)).detach().numpy(), rtol=1e-14, atol=1e-14
    )
    assert int(ours.num_batches_tracked) == 4


def test_load_state_dict_rejects_bad_arrays():
    lin = ann.Linear(3, 2, seed=0)
    before = lin.state_dict()
    for bad, match in [
        (np.full((2, 3), np.nan), "NaN"),
        (np.ones((2, 3)) + 1j, "complex"),
        (np.ones((3, 2)), "shape"),
    ]:
        with pytest.raises((ValueError, TypeError), match=match):
            lin.load_state_dict({"weight": bad, "bias": np.zeros(2)})
    for k, v in lin.state_dict().items():  # nothing changed
        np.testing.assert_array_equal(v, before[k])


def test_unsaveable_attribute_is_named(tmp_path):
    act = ann.Activation(lambda x: x * 2)
    with pytest.raises(
        ValueError, match=r"Activation\.name: .*lambda.* cannot be saved"
    ):
        ns.save(act, tmp_path / "a.npz")
    assert not list(tmp_path.iterdir())  # no partial file left behind


def _saved(tmp_path):
    path = tmp_path / "m.npz"
    ns.save(ns.Hopfield().fit(np.sign(np.arange(-8, 8.0)[None] + 0.5)), path)
    return path


def test_truncated_and_garbage_files(tmp_path):
    path = _saved(tmp_path)
    raw = path.read_bytes()
    for i, damaged in enumerate([raw[: len(raw) // 2], raw[:10], b"garbage" * 50, b""]):
        bad = tmp_path / f"bad{i}.npz"
        bad.write_bytes(damaged)
        with pytest.raises(FileFormatError, match=f"bad{i}.npz"):
            ns.load(bad)
    # a flipped byte inside an array's data: zip's CRC check catches it
    flipped = bytearray(raw)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(z.namelist()[-1])
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    flipped[at] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(FileFormatError, match="flipped.npz"):
        ns.load(bad)
    with pytest.raises(FileFormatError, match="no such file"):
        ns.load(tmp_path / "missing.npz")


def test_foreign_and_hostile_files(tmp_path):
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.ones(3))
    with pytest.raises(FileFormatError, match="not a neurosim file"):
        ns.load(foreign)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __neurosim__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(FileFormatError, match="pickled.npz"):
        ns.load(pickled)  # allow_pickle=False: the object array is never unpickled

    def header(payload, **kw):
        h = {"format": "neurosim", "version": 1, "kind": "object", "payload": payload}
        return np.array(json.dumps({**h, **kw}))

    hostile = tmp_path / "hostile.npz"
    np.savez(hostile, __neurosim__=header({"id": 0, "function": "os:system"}))
    with pytest.raises(FileFormatError, match="outside neurosim"):
        ns.load(hostile)
    newer = tmp_path / "newer.npz"
    np.savez(newer, __neurosim__=header(None, version=99))
    with pytest.raises(FileFormatError, match="version 99"):
        ns.load(newer)
    missing = tmp_path / "missing_array.npz"
    np.savez(missing, __neurosim__=header({"id": 0, "array": "a0"}))
    with pytest.raises(FileFormatError, match="'a0' is missing"):
        ns.load(missing)


def test_file_layer_kinds(tmp_path):
    path = tmp_path / "c.npz"
    write_file(path, "checkpoint", {"t": 1.5}, {"v": np.arange(3.0)})
    payload, arrays = read_file(path, "checkpoint")
    assert payload == {"t": 1.5}
    np.testing.assert_array_equal(arrays["v"], [0.0, 1.0, 2.0])
    with pytest.raises(FileFormatError, match="not a 'object'"):
        ns.load(path)

"""The CUDA backend keeps a network's state on the device between runs.

Every host<->device copy of a network run goes through
``network_cuda.to_device`` / ``network_cuda.to_host``; these tests count them.
A run copies to the device only what the host changed since the last run and
copies back only what monitors recorded (never a network array); reading
state copies back what is read, once. Results are checked against the CPU
backend and against one uninterrupted run.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns
from neurosim._jit import has_cuda

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

from neurosim.kernels import network_cuda  # noqa: E402

pytestmark = [
    pytest.mark.cuda,
    # the simulator runs poisson_step on numpy uint64 scalars, whose intended
    # modulo-2**64 wraparound numpy reports as overflow
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

DT = 1e-4


def _net(monitors: bool):
    """Poisson drive into LIF and Izhikevich groups (delays, two synapse kinds)."""
    net = ns.Network(seed=3)
    drive = net.add(ns.NeuronGroup(12, ns.PoissonSource(rate=400.0)))
    lif = net.add(ns.NeuronGroup(10, ns.LIF(), bias=0.9))
    izh = net.add(ns.NeuronGroup(6, ns.Izhikevich(), bias=4.0))
    net.connect(drive, lif, ns.Random(0.5, 0.02), synapse=ns.Lowpass(0.005))
    net.connect(lif, izh, ns.Random(0.5, 30.0), synapse=ns.Alpha(0.002), delay=5e-4)
    net.connect(drive, izh, ns.Random(0.4, 20.0), synapse=ns.Lowpass(0.003))
    mons = ()
    if monitors:
        mons = (
            net.monitor_spikes(lif),
            net.monitor_spikes(izh),
            net.monitor_state(lif, "v", record=[0, 3], every=2),
            net.monitor_readout(lif, np.ones((10, 1)), ns.Lowpass(0.01), every=3),
        )
    return net, izh, mons


class Transfers:
    """Counts copies through ``network_cuda.to_device`` / ``to_host``."""

    def __init__(self, monkeypatch):
        self.log: list[tuple[str, int, np.ndarray]] = []
        to_device, to_host = network_cuda.to_device, network_cuda.to_host

        def counted_to_device(host, dev=None):
            self.log.append(("h2d", host.nbytes, host))
            return to_device(host, dev)

        def counted_to_host(dev, out):
            self.log.append(("d2h", out.nbytes, out))
            to_host(dev, out)

        monkeypatch.setattr(network_cuda, "to_device", counted_to_device)
        monkeypatch.setattr(network_cuda, "to_host", counted_to_host)

    def take(self) -> list[tuple[str, int, np.ndarray]]:
        out, self.log = self.log, []
        return out


def _network_arrays(sim) -> list[np.ndarray]:
    a = sim._built.arrays
    return [a[k] for k in network_cuda.DEVICE_ARRAYS]


def _is_network_array(x, sim) -> bool:
    return any(x is arr or np.shares_memory(x, arr) for arr in _network_arrays(sim))


def test_a_run_without_monitors_copies_no_state(monkeypatch):
    net, _izh, _m = _net(monitors=False)
    sim = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
    t = Transfers(monkeypatch)
    sim.run(0.002)
    first = t.take()
    # the first run puts every network array on the device
    pushed = [x for kind, _n, x in first if kind == "h2d"]
    assert sum(_is_network_array(x, sim) for x in pushed) == len(
        network_cuda.DEVICE_ARRAYS
    )
    for _ in range(2):
        sim.run(0.002)
        # then a run moves nothing but the 4-byte flag of the device-side
        # check for non-finite values, once per compiled call
        log = [(kind, n) for kind, n, _x in t.take()]
        assert log and set(log) == {("d2h", 4)}


def test_a_run_copies_back_only_what_monitors_recorded(monkeypatch):
    net, _izh, mons = _net(monitors=True)
    sim = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
    sim.run(0.002)
    t = Transfers(monkeypatch)
    sim.run(0.002)
    log = t.take()
    assert not any(_is_network_array(x, sim) for _k, _n, x in log)
    # to the device, per compiled call: where its samples start (two state
    # rows, one readout: 8 bytes each); back: spike flags, samples and the
    # 4-byte flag of the finite check
    assert {n for kind, n, _x in log if kind == "h2d"} == {16, 8}
    assert ("d2h", 4) in {(kind, n) for kind, n, _x in log}
    assert mons[2].values.shape == (20, 2) and mons[3].data.shape == (14, 1)


def test_reading_state_copies_back_what_is_read_once(monkeypatch):
    net, izh, _m = _net(monitors=False)
    sim = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
    sim.run(0.003)
    t = Transfers(monkeypatch)
    u = sim.get_state(izh, "u")
    a = sim._built.arrays
    assert [(kind, x is a["mstate"]) for kind, _n, x in t.take()] == [("d2h", True)]
    np.testing.assert_array_equal(sim.get_state(izh, "u"), u)
    assert t.take() == []  # the host copy is current now
    snap = sim.snapshot()
    pulled = {next(k for k in a if a[k] is x) for _kind, _n, x in t.take()}
    # what a run writes on the device, of the run state, except mstate (read
    # above); the delay ring comes back as the device's spike flags
    expected = set(network_cuda.WRITTEN) & set(snap) | {"ring_flags"}
    assert pulled == expected - {"mstate"}
    sim.snapshot()
    assert t.take() == []


def _cpu_and_cuda(action):
    """Run 2 ms, apply ``action(sim, izh)``, run 3 ms; on both backends."""
    out = {}
    for backend in ("cpu", "cuda"):
        net, izh, mons = _net(monitors=True)
        sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
        sim.run(0.002)
        action(sim, izh)
        sim.run(0.003)
        out[backend] = (sim, izh, mons)
    return out


STATE = ("v", "ref", "X", "U", "rng_state", "mstate", "mref")


def _same_runs(snap_a, mons_a, snap_b, mons_b):
    """Equal state and records, bit for bit (under the simulator the CUDA
    kernels do the CPU's operations in the same order)."""
    for k in STATE:
        np.testing.assert_array_equal(snap_b[k], snap_a[k])
    for a, b in zip(mons_a[:2], mons_b[:2], strict=True):
        assert a.indices.size > 0
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(mons_b[2].values, mons_a[2].values)
    np.testing.assert_array_equal(mons_b[3].data, mons_a[3].data)


def _assert_same(out):
    (sc, ic, mc), (sg, ig, mg) = out["cpu"], out["cuda"]
    _same_runs(sc.snapshot(), mc, sg.snapshot(), mg)
    for var in ("v", "u"):
        np.testing.assert_array_equal(sg.get_state(ig, var), sc.get_state(ic, var))


def test_set_state_reaches_the_device(monkeypatch):
    t = Transfers(monkeypatch)

    def kick(sim, izh):
        sim.set_state(izh, "v", np.linspace(-70.0, 40.0, 6))  # one above the peak
        t.take()

    out = _cpu_and_cuda(kick)
    sim = out["cuda"][0]
    pushed = [x for kind, _n, x in t.take() if kind == "h2d"]
    # the 3 ms run sent mstate (and the two sample offsets), nothing else
    assert sum(x is sim._built.arrays["mstate"] for x in pushed) == 1
    assert sum(_is_network_array(x, sim) for x in pushed) == 1
    _assert_same(out)


def test_set_param_reaches_the_device():
    def bursting(sim, izh):
        sim.set_param(izh, "c", -50.0)
        sim.set_param(izh, "d", 2.0)

    out = _cpu_and_cuda(bursting)
    _assert_same(out)
    net, izh, _m = _net(monitors=True)
    plain = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
    plain.run(0.005)
    # the new parameters changed the run (not only the host copy)
    sim, izh_b, _mons = out["cuda"]
    assert not np.array_equal(sim.get_state(izh_b, "u"), plain.get_state(izh, "u"))


def test_restore_reaches_the_device():
    net, _izh, mons = _net(monitors=True)
    sim = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
    sim.run(0.002)
    snap, n0 = sim.snapshot(), mons[0].indices.size
    sim.run(0.003)
    first, n1 = sim.snapshot(), mons[0].indices.size
    sim.restore(snap)
    sim.run(0.003)  # a replay of the same 3 ms from the restored state
    again = sim.snapshot()
    for k in STATE:
        np.testing.assert_array_equal(again[k], first[k])
    assert n1 > n0  # monitors keep what they recorded: the replay is appended
    np.testing.assert_array_equal(mons[0].indices[n1:], mons[0].indices[n0:n1])
    np.testing.assert_array_equal(mons[0].steps[n1:], mons[0].steps[n0:n1])


def test_a_cuda_snapshot_continues_on_the_cpu():
    """Snapshots hold the CPU's delay ring on both backends."""
    sims = {}
    for backend in ("cuda", "cpu"):
        net, _izh, mons = _net(monitors=True)
        sims[backend] = (ns.Simulator(net, dt=DT, backend=backend, progress=False),
                         mons)  # fmt: skip
    (gpu, mg), (cpu, mc) = sims["cuda"], sims["cpu"]
    gpu.run(0.002)
    snap = gpu.snapshot()
    assert snap["ring_cnt"].sum() > 0  # spikes in flight through the delay
    cpu.restore(snap)
    gpu.run(0.003)
    cpu.run(0.003)
    for k in (*STATE, "ring_cnt"):
        np.testing.assert_array_equal(gpu.snapshot()[k], cpu.snapshot()[k])
    n0 = mg[1].indices.size - mc[1].indices.size  # the CPU missed the first 2 ms
    assert mc[1].indices.size > 0
    np.testing.assert_array_equal(mc[1].indices, mg[1].indices[n0:])
    np.testing.assert_array_equal(mc[1].steps, mg[1].steps[n0:])


def test_split_runs_equal_one_run_on_cuda():
    out = []
    for parts in ((0.005,), (0.002, 0.001, 0.002)):
        net, izh, mons = _net(monitors=True)
        sim = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
        for p in parts:
            sim.run(p)
        out.append((sim.snapshot(), mons))
    _same_runs(*out[0], *out[1])


def _failure(backend, build):
    net = ns.Network(seed=0)
    duration, dt = build(net)
    sim = ns.Simulator(net, dt=dt, backend=backend, progress=False)
    with pytest.raises(ns.exceptions.SimulationError) as info:
        sim.run(duration)
    return str(info.value), sim.n_steps, sim.snapshot()


def _overflow(net):
    # a rate group (about 243 Hz) into a synapse that barely decays, with
    # weights of 1e308: its state passes the largest float within 10 steps
    rate = net.add(ns.NeuronGroup(1, ns.LIFRate(), bias=10.0))
    lif = net.add(ns.NeuronGroup(2, ns.LIF(), name="lif"))
    net.connect(rate, lif, np.full((1, 2), 1e308), synapse=ns.Lowpass(1.0))
    return 0.02, 1e-3


def _hh(net):
    # from step 4, 1e7 uA/cm^2 takes V past the 1e4 mV bound within a step
    hh = net.add(ns.NeuronGroup(2, ns.HodgkinHuxley(), name="hh"))
    net.add_input(hh, lambda t: np.where(t >= 4e-5 - 5e-6, 1e7, 0.0))
    return 1e-4, 1e-5


@pytest.mark.parametrize(
    "build, message",
    [(_overflow, "non-finite"), (_hh, "Hodgkin-Huxley state diverged")],
)
def test_failures_are_found_on_the_device_as_on_the_cpu(build, message):
    """Checked on the device (finite values, HH bounds): as on the CPU."""
    cpu, gpu = _failure("cpu", build), _failure("cuda", build)
    assert message in cpu[0]
    assert gpu[:2] == cpu[:2]
    for k in STATE:
        np.testing.assert_array_equal(gpu[2][k], cpu[2][k])


def test_set_rates_reaches_the_device():
    for backend in ("cpu", "cuda"):
        net = ns.Network(seed=1)
        drive = net.add(ns.NeuronGroup(12, ns.PoissonSource(rate=800.0)))
        spikes = net.monitor_spikes(drive)
        sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
        sim.run(0.002)
        sim.set_rates(drive[4:], 0.0)
        sim.run(0.002)
        before = spikes.steps < 20
        assert before.sum() > 5
        # after the change only the first four neurons still fire
        assert spikes.indices[~before].size > 0
        assert np.all(spikes.indices[~before] < 4), backend

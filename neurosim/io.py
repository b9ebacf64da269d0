"""Save fitted models to plain-array files and load them back.

``ns.save(obj, path)`` writes any neurosim object (a fitted ``Population``,
``Decoder``, learning rule, Hopfield network, RBM, ``ann`` module ...) to one
``.npz`` file; ``ns.load(path)`` returns an equal object. The file holds only
numeric arrays and one JSON header (no pickles): it is read with
``numpy.load(..., allow_pickle=False)``, and loading creates objects only of
neurosim's own classes, filling their attributes with the stored data, so a file
can never run code.

File layout (format version 1): a zip archive as written by ``numpy.savez``
with an entry ``__neurosim__`` (a unicode array holding the JSON header:
``format``, ``version``, ``kind``, ``neurosim_version`` and the payload) and
one entry per array. :func:`write_file` and :func:`read_file` are the shared
layer (any ``kind`` of payload, e.g. simulator checkpoints); :func:`save` and
:func:`load` encode objects on top of it.

A file that is truncated, damaged, foreign or of a newer format raises
:class:`~neurosim.exceptions.FileFormatError` naming the file and the problem.
"""

from __future__ import annotations

import importlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import FileFormatError, ValidationError

__all__ = ["load", "read_file", "save", "write_file"]

FORMAT = "neurosim"
VERSION = 1
_HEADER = "__neurosim__"
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")

PathLike = str | os.PathLike


def write_file(
    path: PathLike, kind: str, payload: Any, arrays: dict[str, np.ndarray]
) -> None:
    """Write a JSON ``payload`` and numeric ``arrays`` to ``path`` (atomically).

    The file is written next to ``path`` and renamed over it at the end, so an
    interrupted save never leaves a truncated file under the final name.

    Parameters
    ----------
    path : str or path-like
        Destination file.
    kind : str
        What the file holds (``"object"``, ``"checkpoint"`` ...); checked by
        :func:`read_file`.
    payload : JSON-serialisable
        Header data (numbers, strings, lists, dicts).
    arrays : dict of str to numpy.ndarray
        Numeric or text arrays, stored as ``.npy`` entries.
    """
    import neurosim

    for key, arr in arrays.items():
        if key == _HEADER or arr.dtype.kind not in "biufcUS":
            raise ValidationError(f"arrays: {key!r} cannot be stored ({arr.dtype})")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "neurosim_version": neurosim.__version__,
        "payload": payload,
    }
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **{_HEADER: np.array(json.dumps(header))}, **arrays)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_file(path: PathLike, kind: str) -> tuple[Any, dict[str, np.ndarray]]:
    """Read a file written by :func:`write_file`; ``(payload, arrays)``.

    Raises :class:`~neurosim.exceptions.FileFormatError` naming the file for a
    missing, truncated, damaged or foreign file, another ``kind``, or a newer
    format version.

    Parameters
    ----------
    path : str or path-like
        The file.
    kind : str
        The kind of payload expected.

    Returns
    -------
    payload : JSON value
        The header data given to :func:`write_file`.
    arrays : dict of str to numpy.ndarray
        The arrays.
    """
    name = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if _HEADER not in npz.files:
                raise FileFormatError(
                    f"{name}: not a neurosim file (a .npz without a "
                    f"'{_HEADER}' header; entries {npz.files[:5]})"
                )
            header = json.loads(str(npz[_HEADER]))
            arrays = {k: npz[k] for k in npz.files if k != _HEADER}
    except FileFormatError:
        raise
    except FileNotFoundError:
        raise FileFormatError(f"{name}: no such file") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        # truncated or corrupted zip, bad CRC, a pickle inside, bad JSON, or
        # not a .npz at all
        raise FileFormatError(
            f"{name}: not a readable neurosim file (truncated or damaged?): "
            f"{type(e).__name__}: {e}"
        ) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise FileFormatError(f"{name}: not a neurosim file (bad header)")
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise FileFormatError(
            f"{name}: format version {version!r}; this neurosim reads up to "
            f"{VERSION} (upgrade neurosim)"
        )
    if header.get("kind") != kind:
        raise FileFormatError(f"{name}: holds a {header.get('kind')!r}, not a {kind!r}")
    return header.get("payload"), arrays


# ----------------------------------------------------------- object encoding
class _Encoder:
    """Turn an object graph into JSON nodes plus a dict of arrays.

    Shared references (one array or object reached twice) are stored once and
    restored as one object, so aliasing such as an optimiser's view of a
    model's parameters survives a round trip.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.memo: dict[int, int] = {}
        self.keep: list[Any] = []  # memoised objects stay alive while encoding

    def _ref(self, value: Any) -> dict | None:
        if id(value) in self.memo:
            return {"ref": self.memo[id(value)]}
        self.memo[id(value)] = len(self.memo)
        self.keep.append(value)
        return None

    def encode(self, value: Any, where: str) -> Any:
        from .ann.tensor import Tensor

        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, np.generic):  # before float: np.float64 is a float
            item = self.encode(value.item(), where)
            return {"scalar": value.dtype.str, "value": item}
        if isinstance(value, int | float):
            return {"float": repr(value)} if isinstance(value, float) else value
        if isinstance(value, np.ufunc):
            return {"ufunc": value.__name__}
        if isinstance(value, np.dtype):
            return {"dtype": value.str}
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"dtype": np.dtype(value).str, "type": True}
        ref = self._ref(value)
        if ref is not None:
            return ref
        oid = self.memo[id(value)]
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufcUS":
                raise ValidationError(
                    f"{where}: an array of {value.dtype} cannot be saved"
                )
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"id": oid, "array": key}
        if isinstance(value, Tensor):
            return {
                "id": oid,
                "tensor": self.encode(value.data, where),
                "requires_grad": value.requires_grad,
            }
        if isinstance(value, list | tuple):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {"id": oid, "tuple" if isinstance(value, tuple) else "list": items}
        if isinstance(value, dict):
            return {
                "id": oid,
                "dict": [
                    [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ],
            }
        if isinstance(value, np.random.Generator):
            bg = value.bit_generator
            return {"id": oid, "rng": type(bg).__name__, "state": bg.state}
        cls = type(value)
        if (
            callable(value)
            and not isinstance(value, type)
            and hasattr(value, "__qualname__")
        ):
            return {"id": oid, "function": _class_path(value, where)}
        if not cls.__module__.startswith("neurosim.") or not hasattr(value, "__dict__"):
            raise ValidationError(
                f"{where}: cannot save a {cls.__module__}.{cls.__qualname__}"
            )
        state = {k: self.encode(v, f"{where}.{k}") for k, v in vars(value).items()}
        return {"id": oid, "object": _class_path(cls, where), "state": state}


def _class_path(obj: Any, where: str) -> str:
    """``"module:qualname"`` of a neurosim class or function that :func:`_resolve`
    can find again."""
    path = f"{obj.__module__}:{obj.__qualname__}"
    if "<" in obj.__qualname__ or _resolve(path, where, check=False) is not obj:
        raise ValidationError(
            f"{where}: {path} cannot be saved (not reachable by name; use a named "
            "function or one of neurosim's)"
        )
    return path


def _resolve(path: str, where: str, check: bool = True) -> Any:
    """The neurosim class or function named ``"module:qualname"`` (nothing else)."""
    module, _, qualname = str(path).partition(":")
    if not (module == "neurosim" or module.startswith("neurosim.")) or not qualname:
        raise FileFormatError(f"{where}: refers to {path!r}, outside neurosim")
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        if not check:
            return None
        raise FileFormatError(
            f"{where}: refers to {path!r}, which this neurosim does not have"
        ) from None
    return obj


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], name: str) -> None:
        self.arrays = arrays
        self.name = name
        self.objects: dict[int, Any] = {}

    def _bad(self, what: str) -> FileFormatError:
        return FileFormatError(f"{self.name}: damaged object data ({what})")

    def decode(self, node: Any) -> Any:
        from .ann.tensor import Tensor

        if node is None or isinstance(node, bool | str | int):
            return node
        if isinstance(node, float):
            return node
        if not isinstance(node, dict):
            raise self._bad(f"unexpected {type(node).__name__}")
        if "ref" in node:
            if node["ref"] not in self.objects:
                raise self._bad(f"reference {node['ref']!r} before its object")
            return self.objects[node["ref"]]
        if "float" in node:
            return float(node["float"])
        if "scalar" in node:
            return np.dtype(node["scalar"]).type(self.decode(node["value"]))
        if "ufunc" in node:
            fn = getattr(np, str(node["ufunc"]), None)
            if not isinstance(fn, np.ufunc):
                raise self._bad(f"unknown numpy ufunc {node['ufunc']!r}")
            return fn
        if "dtype" in node:
            dt = np.dtype(node["dtype"])
            return dt.type if node.get("type") else dt
        oid = node.get("id")
        if "array" in node:
            if node["array"] not in self.arrays:
                raise self._bad(f"array {node['array']!r} is missing")
            return self._keep(oid, self.arrays[node["array"]])
        if "tensor" in node:
            t = Tensor._wrap(self.decode(node["tensor"]), bool(node["requires_grad"]))
            return self._keep(oid, t)
        if "list" in node or "tuple" in node:
            out: list = self._keep(oid, [])
            out.extend(self.decode(v) for v in node.get("list", node.get("tuple")))
            if "tuple" in node:
                out = self._keep(oid, tuple(out))
            return out
        if "dict" in node:
            d = self._keep(oid, {})
            for k, v in node["dict"]:
                d[self.decode(k)] = self.decode(v)
            return d
        if "rng" in node:
            if node["rng"] not in _BIT_GENERATORS:
                raise self._bad(f"unknown bit generator {node['rng']!r}")
            bg = getattr(np.random, node["rng"])()
            bg.state = node["state"]
            return self._keep(oid, np.random.Generator(bg))
        if "function" in node:
            fn = _resolve(node["function"], self.name)
            if not callable(fn) or isinstance(fn, type):
                raise self._bad(f"{node['function']!r} is not a function")
            return self._keep(oid, fn)
        if "object" in node:
            cls = _resolve(node["object"], self.name)
            if not isinstance(cls, type) or issubclass(cls, BaseException):
                raise self._bad(f"{node['object']!r} is not a class")
            obj = self._keep(oid, cls.__new__(cls))
            state = {k: self.decode(v) for k, v in node["state"].items()}
            obj.__dict__.update(state)
            return obj
        raise self._bad(f"unknown node {sorted(node)}")

    def _keep(self, oid: Any, value: Any) -> Any:
        if oid is not None:
            self.objects[oid] = value
        return value


def save(obj: Any, path: PathLike) -> None:
    """Save a neurosim object (fitted or not) to ``path`` as plain arrays.

    Parameters
    ----------
    obj : neurosim object
        A ``Population``, ``Decoder``, learning rule, Hopfield network, ``RBM``,
        ``ann`` module ... Attributes that are not arrays, numbers, strings,
        containers, random generators or neurosim objects/functions (a lambda,
        an open file) raise ``ValidationError`` naming the attribute.
    path : str or path-like
        Destination; written as ``.npz`` whatever the suffix.

    Examples
    --------
    >>> import numpy as np, neurosim as ns, tempfile, os
    >>> dec = ns.Decoder().fit(np.eye(3) * 100, np.arange(3.0))
    >>> path = os.path.join(tempfile.mkdtemp(), "dec.npz")
    >>> ns.save(dec, path)
    >>> np.array_equal(ns.load(path).decoders_, dec.decoders_)
    True
    """
    mod = type(obj).__module__
    if not mod.startswith("neurosim."):
        raise TypeError(f"obj: expected a neurosim object (got {type(obj).__name__})")
    enc = _Encoder()
    root = enc.encode(obj, type(obj).__name__)
    write_file(path, "object", root, enc.arrays)


def load(path: PathLike) -> Any:
    """Load an object saved by :func:`save`.

    Raises :class:`~neurosim.exceptions.FileFormatError` naming the file when it
    is missing, truncated, damaged, foreign or from a newer neurosim.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    object
        The saved object, of its saved class, with its saved attributes.
    """
    payload, arrays = read_file(path, "object")
    return _Decoder(arrays, os.fspath(path)).decode(payload)

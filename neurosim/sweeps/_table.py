"""The table a sweep returns: one row per point and repeat, one column per name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..exceptions import ValidationError


def _column(values: list[Any]) -> np.ndarray:
    """A parameter column: int64, float64, bool or str when the values allow."""
    kinds = {type(v) for v in values}
    if kinds <= {bool}:
        return np.array(values, dtype=bool)
    if kinds <= {int}:
        return np.array(values, dtype=np.int64)
    if kinds <= {int, float}:
        return np.array(values, dtype=np.float64)
    if kinds <= {str}:
        return np.array(values, dtype=str)
    return np.array(values, dtype=object)


class Table(Mapping[str, np.ndarray]):
    """Rows of a sweep: a read-only mapping ``{column name: array}``.

    Every column has one entry per row (``len`` of the first axis is
    :attr:`n_rows`): the parameters, then ``repeat`` (0 .. n_seeds - 1),
    ``seed`` (the seed the function received), ``error`` (``""``, or
    ``"Type: message"`` for a point that failed), ``elapsed_s`` (wall time
    of the call in the worker, seconds), ``worker`` (``host:pid``),
    ``compiles`` (numba compilations during the call), and the results:
    ``(n_rows, *shape)`` arrays, NaN in failed rows (integer and boolean
    results are then stored as float).

    ``pandas.DataFrame(dict(table))`` works when every result is a scalar;
    :meth:`to_pandas` handles array results too. Rows are in the order the
    points were given, repeats together, whatever order they finished in.

    Parameters
    ----------
    columns : dict
        ``{name: (n_rows, ...) ndarray}``.
    parameters, results : sequence of str
        Which columns are parameters and which are results.
    """

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        parameters: Sequence[str],
        results: Sequence[str],
    ) -> None:
        self._columns = dict(columns)
        self.parameters = tuple(parameters)
        self.results = tuple(results)

    @classmethod
    def from_rows(
        cls,
        rows: list[dict[str, Any]],
        parameters: Sequence[str],
        schema: Mapping[str, tuple[np.dtype, tuple[int, ...]]],
    ) -> Table:
        """Build a table from row records (as the output folder stores them).

        Parameters
        ----------
        rows : list of dict
            Records with ``params``, ``repeat``, ``seed``, ``error``,
            ``elapsed_s``, ``worker``, ``compiles`` and ``results``.
        parameters : sequence of str
            Parameter names, in column order.
        schema : dict
            ``{result name: (dtype, shape of one row)}``.

        Returns
        -------
        Table
        """
        cols: dict[str, np.ndarray] = {
            p: _column([r["params"][p] for r in rows]) for p in parameters
        }
        cols["repeat"] = np.array([r["repeat"] for r in rows], dtype=np.int64)
        cols["seed"] = np.array([r["seed"] for r in rows], dtype=np.uint64)
        cols["error"] = np.array([r["error"] for r in rows] or [""], dtype=str)[
            : len(rows)
        ]
        cols["elapsed_s"] = np.array([r["elapsed_s"] for r in rows], dtype=float)
        cols["worker"] = np.array([r["worker"] for r in rows] or [""], dtype=str)[
            : len(rows)
        ]
        cols["compiles"] = np.array([r["compiles"] for r in rows], dtype=np.int64)
        failed = cols["error"] != ""
        for name, (dtype, shape) in schema.items():
            if failed.any() and dtype.kind in "biu":
                dtype = np.dtype(np.float64)  # room for NaN
            arr = np.full(
                (len(rows), *shape), np.nan if dtype.kind in "fc" else 0, dtype
            )
            for i, r in enumerate(rows):
                if not failed[i]:
                    arr[i] = r["results"][name]
            cols[name] = arr
        return cls(cols, parameters, list(schema))

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._columns[name]
        except KeyError:
            raise KeyError(
                f"{name!r}: no such column (columns: {', '.join(self._columns)})"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    @property
    def n_rows(self) -> int:
        """Number of rows (points times repeats)."""
        return len(self._columns["repeat"])

    @property
    def ok(self) -> np.ndarray:
        """``(n_rows,)`` bool: the rows whose point succeeded."""
        return self._columns["error"] == ""

    @property
    def failed(self) -> list[tuple[dict[str, Any], int, str]]:
        """``(parameters, repeat, error)`` of every failed row."""
        return [
            (self.row_params(i), int(self["repeat"][i]), str(self["error"][i]))
            for i in np.flatnonzero(~self.ok)
        ]

    def row_params(self, i: int) -> dict[str, Any]:
        """The parameters of row ``i`` as a dict of Python scalars.

        Parameters
        ----------
        i : int
            Row index.

        Returns
        -------
        dict
            ``{parameter name: value}``.
        """
        return {
            p: (v.item() if isinstance(v, np.generic) else v)
            for p in self.parameters
            for v in [self._columns[p][i]]
        }

    def where(self, **values: Any) -> Table:
        """The rows whose parameters equal ``values`` (floats to 1e-9 relative).

        Parameters
        ----------
        **values
            ``name=value`` for each parameter to select on.

        Returns
        -------
        Table
            The selected rows, in their order.
        """
        mask = np.ones(self.n_rows, dtype=bool)
        for name, value in values.items():
            if name not in self.parameters:
                raise ValidationError(
                    f"where: {name!r} is not a parameter (parameters: "
                    f"{', '.join(self.parameters)})"
                )
            col = self._columns[name]
            if col.dtype.kind == "f" and isinstance(value, int | float):
                mask &= np.isclose(col, value, rtol=1e-9, atol=0.0)
            else:
                mask &= col == value
        return Table(
            {k: v[mask] for k, v in self._columns.items()},
            self.parameters,
            self.results,
        )

    def aggregate(
        self, result: str, by: Sequence[str]
    ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
        """Mean, standard deviation and count of a result per combination of ``by``.

        Successful rows are pooled over everything not in ``by`` (repeats and
        any other parameter).

        Parameters
        ----------
        result : str
            A result column.
        by : sequence of str
            Parameters to group by.

        Returns
        -------
        levels : list of 1-D ndarray
            Sorted distinct values of each ``by`` parameter.
        mean, std : ndarray
            Shape ``(len(levels[0]), ..., *result shape)``; NaN where a
            group has no successful row. ``std`` has ``ddof=1`` (NaN for
            one row).
        count : ndarray of int
            Successful rows per group, shape ``(len(levels[0]), ...)``.
        """
        if result not in self.results:
            raise ValidationError(
                f"result: {result!r} is not a result column (results: "
                f"{', '.join(self.results) or 'none'})"
            )
        by = [by] if isinstance(by, str) else list(by)
        for name in by:
            if name not in self.parameters:
                raise ValidationError(
                    f"by: {name!r} is not a parameter (parameters: "
                    f"{', '.join(self.parameters)})"
                )
        ok = self.ok
        levels, index = [], []
        for name in by:
            lv, inv = np.unique(self._columns[name], return_inverse=True)
            levels.append(lv)
            index.append(inv)
        values = self._columns[result].astype(float)
        shape = tuple(len(lv) for lv in levels)
        rshape = values.shape[1:]
        total = np.zeros(shape + rshape)
        sq = np.zeros(shape + rshape)
        count = np.zeros(shape, dtype=np.int64)
        for i in np.flatnonzero(ok):
            cell = tuple(ix[i] for ix in index)
            total[cell] += values[i]
            count[cell] += 1
        cnt = count.reshape(shape + (1,) * len(rshape))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / cnt
            for i in np.flatnonzero(ok):
                cell = tuple(ix[i] for ix in index)
                sq[cell] += (values[i] - mean[cell]) ** 2
            std = np.sqrt(sq / (cnt - 1))
        std[np.broadcast_to(cnt < 2, std.shape)] = np.nan
        return levels, mean, std, count

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame``, one row per row (array results as object cells).

        Returns
        -------
        pandas.DataFrame
            One column per column of the table.
        """
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("to_pandas needs pandas (pip install pandas)") from e
        return pd.DataFrame(
            {k: (list(v) if v.ndim > 1 else v) for k, v in self._columns.items()}
        )

    def __repr__(self) -> str:
        n_failed = int((~self.ok).sum())
        return (
            f"Table({self.n_rows} rows, {n_failed} failed; parameters "
            f"{list(self.parameters)}, results {list(self.results)})"
        )

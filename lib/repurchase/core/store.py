"""The results store: each analysis's result, computed once per client and period.

A render (or an interactive session) keeps the results of its analyses in one
folder, ``<report>/results/``::

    results/
      _log.jsonl              one line per computation: name, seconds, process
      lifetime_value/
        result.json           the result's structure and scalars, its key and what it required
        metrics.json          its headline figures (merged into the report's metrics.json)
        t0.parquet, t1.parquet, ...   its tables
        a0.npy, ...           its arrays

Results are dataclasses (nested dataclasses, tables, arrays, scalars, lists and
dicts of them); :func:`dump` and :func:`load` turn them into that layout and
back without per-class code. A field declared with
``field(metadata={"store": False})`` is not stored and gets its default when
loaded. Writes are atomic (a folder renamed into place), so a reader never sees
half a result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from repurchase.core.files import to_jsonable, write_text_atomic

__all__ = ["ResultStore", "StoreError", "dump", "load"]

_FORMAT = 1


class StoreError(TypeError):
    """A result holds a value the store cannot keep (names the path to it)."""


# ---------------------------------------------------------------------------
# encoding


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.n_tables = 0
        self.n_arrays = 0

    def frame(self, frame: pd.DataFrame, where: str) -> dict[str, Any]:
        name = f"t{self.n_tables}"
        self.n_tables += 1
        out: dict[str, Any] = {"__frame__": name}
        attrs = frame.attrs
        if attrs:
            out["attrs"] = self.encode(dict(attrs), f"{where}.attrs")
        columns = list(frame.columns)
        plain = all(isinstance(c, str) for c in columns) and len(set(columns)) == len(columns)
        data = frame if plain else frame.set_axis([f"c{i}" for i in range(len(columns))], axis=1)
        if not plain:
            out["columns"] = self.encode(columns, f"{where}.columns")
        saved = data.attrs
        data.attrs = {}
        try:
            data.to_parquet(self.folder / f"{name}.parquet")
        except (TypeError, ValueError, ImportError, OverflowError) as exc:  # mixed-type object columns and the like
            import pickle

            (self.folder / f"{name}.parquet").unlink(missing_ok=True)
            with (self.folder / f"{name}.pkl").open("wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            out["format"] = "pickle"
            out["why"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        finally:
            data.attrs = saved
        return out

    def array(self, value: np.ndarray, where: str) -> Any:
        if value.dtype == object:
            return {"__objarray__": self.encode(value.tolist(), where)}
        name = f"a{self.n_arrays}"
        self.n_arrays += 1
        np.save(self.folder / f"{name}.npy", value, allow_pickle=False)
        return {"__array__": name}

    def encode(self, value: Any, where: str = "result") -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
            return int(value)
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (float, np.floating)):
            f = float(value)
            return f if math.isfinite(f) else {"__float__": repr(f)}
        if isinstance(value, pd.DataFrame):
            return self.frame(value, where)
        if isinstance(value, pd.Series):
            name = value.name
            enc = self.frame(value.to_frame(name="values"), where)
            return {"__series__": enc, "name": self.encode(name, f"{where}.name")}
        if isinstance(value, pd.Index):
            enc = self.frame(pd.DataFrame({"values": value}), where)
            return {"__index__": enc, "name": self.encode(value.name, f"{where}.name")}
        if isinstance(value, np.ndarray):
            return self.array(value, where)
        if value is pd.NaT:
            return {"__ts__": None}
        if isinstance(value, pd.Timestamp):
            return {"__ts__": value.isoformat()}
        if isinstance(value, dt.datetime):
            return {"__ts__": pd.Timestamp(value).isoformat()}
        if isinstance(value, dt.date):
            return {"__date__": value.isoformat()}
        if isinstance(value, (pd.Timedelta, dt.timedelta)):
            return {"__td__": int(pd.Timedelta(value).value)}
        if isinstance(value, np.datetime64):
            return {"__ts__": None if np.isnat(value) else pd.Timestamp(value).isoformat()}
        if isinstance(value, Path):
            return {"__path__": str(value)}
        if value is pd.NA:
            return {"__na__": True}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = type(value)
            fields = {
                f.name: self.encode(getattr(value, f.name), f"{where}.{f.name}")
                for f in dataclasses.fields(value)
                if f.init and f.metadata.get("store", True)
            }
            return {"__dc__": f"{cls.__module__}:{cls.__qualname__}", "fields": fields}
        if isinstance(value, BaseModel):  # settings sections of the params
            model = type(value)
            return {"__model__": f"{model.__module__}:{model.__qualname__}", "data": value.model_dump(mode="json")}
        if isinstance(value, Mapping):
            items = list(value.items())
            if all(isinstance(k, str) and not k.startswith("__") for k, _ in items):
                return {k: self.encode(v, f"{where}.{k}") for k, v in items}
            return {"__dict__": [[self.encode(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in items]}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, (set, frozenset)):
            return {"__set__": [self.encode(v, where) for v in sorted(value, key=repr)]}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        raise StoreError(
            f"{where}: a {type(value).__module__}.{type(value).__qualname__} cannot be stored; keep results to "
            "dataclasses, tables, arrays and plain values, or mark the field field(metadata={'store': False})"
        )


class _Reader:
    def __init__(self, folder: Path):
        self.folder = folder

    def frame(self, enc: Mapping[str, Any]) -> pd.DataFrame:
        name = enc["__frame__"]
        if enc.get("format") == "pickle":
            import pickle

            with (self.folder / f"{name}.pkl").open("rb") as fh:
                frame = pickle.load(fh)  # written by this module for this result only
        else:
            frame = pd.read_parquet(self.folder / f"{name}.parquet")
        if "columns" in enc:
            frame.columns = pd.Index(self.decode(enc["columns"]), tupleize_cols=False)
        if "attrs" in enc:
            frame.attrs = self.decode(enc["attrs"])
        return frame

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__frame__" in value:
            return self.frame(value)
        if "__series__" in value:
            s = self.frame(value["__series__"])["values"]
            s.name = self.decode(value["name"])
            return s
        if "__index__" in value:
            return pd.Index(self.frame(value["__index__"])["values"], name=self.decode(value["name"]))
        if "__array__" in value:
            return np.load(self.folder / f"{value['__array__']}.npy", allow_pickle=False)
        if "__objarray__" in value:
            items = self.decode(value["__objarray__"])
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out
        if "__float__" in value:
            return float(value["__float__"])
        if "__ts__" in value:
            return pd.NaT if value["__ts__"] is None else pd.Timestamp(value["__ts__"])
        if "__date__" in value:
            return dt.date.fromisoformat(value["__date__"])
        if "__td__" in value:
            return pd.Timedelta(value["__td__"])
        if "__path__" in value:
            return Path(value["__path__"])
        if "__na__" in value:
            return pd.NA
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__set__" in value:
            return {self.decode(v) for v in value["__set__"]}
        if "__dict__" in value:
            return {_hashable(self.decode(k)): self.decode(v) for k, v in value["__dict__"]}
        if "__model__" in value:
            model: Any = _import_class(value["__model__"])
            return model.model_validate(value["data"])
        if "__dc__" in value:
            cls = _import_class(value["__dc__"])
            return cls(**{k: self.decode(v) for k, v in value["fields"].items()})
        return {k: self.decode(v) for k, v in value.items()}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _import_class(path: str) -> type:
    """The dataclass (or params section) a stored result names: imported from this package, or already loaded."""
    module, _, qualname = path.partition(":")
    if module.startswith("repurchase."):
        obj: Any = importlib.import_module(module)
    elif module in sys.modules:  # e.g. a class defined in a test or a notebook
        obj = sys.modules[module]
    else:
        raise StoreError(f"stored result names {path!r}; only classes of the repurchase package are imported")
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if not (isinstance(obj, type) and (dataclasses.is_dataclass(obj) or issubclass(obj, BaseModel))):
        raise StoreError(f"stored result names {path!r}, which is not a dataclass or a params section")
    return obj


def dump(result: Any, folder: Path) -> Any:
    """Write the tables and arrays of ``result`` into ``folder``; return the JSON structure of the rest."""
    folder.mkdir(parents=True, exist_ok=True)
    return _Writer(folder).encode(result)


def load(tree: Any, folder: Path) -> Any:
    """The result :func:`dump` wrote (its JSON structure ``tree``, its files in ``folder``)."""
    return _Reader(folder).decode(tree)


# ---------------------------------------------------------------------------
# the store


class ResultStore:
    """The results of one client and period, in ``root`` (``<report>/results/``).

    Parameters
    ----------
    root
        The folder; created on the first save.
    """

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def folder(self, name: str) -> Path:
        """Where the result ``name`` lives."""
        return self.root / name

    def names(self) -> list[str]:
        """Names of the stored results."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "result.json").is_file())

    def info(self, name: str) -> dict[str, Any] | None:
        """The stored header of ``name``: ``key``, ``requires``, ``seconds``, ``saved_at``; None when absent."""
        try:
            head = json.loads((self.folder(name) / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return {k: v for k, v in head.items() if k != "result"}

    def has(self, name: str, key: str | None = None) -> bool:
        """Whether ``name`` is stored (and, with ``key``, was computed from the same inputs)."""
        info = self.info(name)
        return info is not None and (key is None or info.get("key") == key)

    def save(
        self,
        name: str,
        result: Any,
        *,
        key: str,
        requires: Iterable[str] = (),
        metrics: Mapping[str, Any] | None = None,
        seconds: float | None = None,
    ) -> None:
        """Store ``result`` under ``name`` (atomically, replacing an older one) and log the computation.

        Parameters
        ----------
        name
            The result's name, e.g. ``lifetime_value``.
        result
            A dataclass (or plain value) made of tables, arrays and scalars.
        key
            Fingerprint of everything the result was computed from.
        requires
            The names of the results it was computed from.
        metrics
            Its headline figures for ``metrics.json``.
        seconds
            How long the computation took.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=f".{name}."))
        try:
            tree = dump(result, tmp)
            head = {
                "format": _FORMAT,
                "name": name,
                "key": key,
                "requires": list(requires),
                "seconds": seconds,
                "saved_at": dt.datetime.now().isoformat(timespec="seconds"),
                "result": tree,
            }
            (tmp / "result.json").write_text(json.dumps(head, ensure_ascii=False), encoding="utf-8")
            if metrics is not None:
                (tmp / "metrics.json").write_text(
                    json.dumps(to_jsonable(dict(metrics)), ensure_ascii=False, indent=2), encoding="utf-8"
                )
            target = self.folder(name)
            old = target.with_name(f".{name}.old.{os.getpid()}.{time.time_ns()}")
            if target.exists():
                os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._log(
            {
                "name": name,
                "seconds": seconds,
                "pid": os.getpid(),
                "at": dt.datetime.now().isoformat(timespec="seconds"),
            }
        )

    def load(self, name: str, key: str | None = None) -> Any | None:
        """The stored result ``name``; None when absent or (with ``key``) computed from other inputs."""
        folder = self.folder(name)
        try:
            head = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if head.get("format") != _FORMAT or (key is not None and head.get("key") != key):
            return None
        return load(head["result"], folder)

    def metrics(self, name: str) -> dict[str, Any] | None:
        """The headline figures stored with ``name`` (None when it has none)."""
        try:
            return json.loads((self.folder(name) / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_metrics(self, name: str, metrics: Mapping[str, Any]) -> dict[str, Any]:
        """Store headline figures without a result (e.g. the overview's); return them as written."""
        clean = to_jsonable(dict(metrics))
        write_text_atomic(self.folder(name) / "metrics.json", json.dumps(clean, ensure_ascii=False, indent=2))
        return clean

    def all_metrics(self) -> dict[str, dict[str, Any]]:
        """Every stored section's metrics, by name."""
        if not self.root.is_dir():
            return {}
        out = {}
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            m = self.metrics(folder.name)
            if m is not None:
                out[folder.name] = m
        return out

    def computations(self) -> list[dict[str, Any]]:
        """Every computation logged in this store, oldest first."""
        try:
            lines = (self.root / "_log.jsonl").read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def _log(self, entry: Mapping[str, Any]) -> None:
        with (self.root / "_log.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(dict(entry)) + "\n")

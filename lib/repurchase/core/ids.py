"""Integer customer codes for the heavy loops of an analysis (:class:`CustomerCodes`).

Cleaned customer IDs are text. Sorting, grouping and re-indexing a few hundred
thousand Python strings is what made the monthly histories slow: each month
end factorizes the same IDs again. An analysis that only returns aggregates
encodes its inputs once with :meth:`CustomerCodes.of`, works on ``int64`` codes,
and an analysis that returns customers decodes them with
:meth:`CustomerCodes.decode`.

The codes follow the sorted order of the IDs (code ``i`` is ``ids[i]``), so
anything sorted by customer ID comes out in the same order on codes as on the
IDs: results are identical, not merely equal up to order (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CustomerCodes"]


@dataclass(frozen=True)
class CustomerCodes:
    """Sorted customer IDs; code ``i`` stands for ``ids[i]``.

    Attributes
    ----------
    ids
        The distinct customer IDs, sorted, named ``customer_id``.
    """

    ids: pd.Index

    @classmethod
    def of(cls, frame: pd.DataFrame, column: str = "customer_id") -> CustomerCodes:
        """The codes of the distinct IDs of ``frame[column]`` (missing IDs get no code).

        Parameters
        ----------
        frame
            Usually the cleaned transactions.
        column
            The customer ID column.
        """
        _, uniques = pd.factorize(frame[column], sort=True)
        return cls(pd.Index(uniques, name="customer_id"))

    def codes(self, ids: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
        """The ``int64`` code of each ID; ``-1`` for an ID without a code."""
        return self.ids.get_indexer(ids).astype(np.int64)

    def encode(self, frame: pd.DataFrame | None, column: str = "customer_id") -> pd.DataFrame | None:
        """A copy of ``frame`` with ``column`` replaced by codes; rows whose ID has no code are dropped.

        Dropping is right for side sources (customers who never bought, survey
        answers of non-buyers): every analysis that uses codes keys its output
        by the buyers of the transactions the codes were made from. None and
        frames without ``column`` pass through unchanged.
        """
        if frame is None or column not in frame.columns:
            return frame
        code = self.codes(frame[column])
        out = frame.loc[code >= 0] if (code < 0).any() else frame.copy(deep=False)
        return out.assign(**{column: code[code >= 0]})

    def encode_index(self, obj: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
        """``obj`` (indexed by customer ID) re-indexed by code; IDs without a code are dropped."""
        code = self.codes(obj.index)
        keep = code >= 0
        out = obj.loc[keep].copy(deep=False)
        out.index = pd.Index(code[keep], name=obj.index.name)
        return out

    def decode(self, codes: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
        """The IDs of ``codes`` (every code must come from :meth:`encode`)."""
        return self.ids.take(np.asarray(codes, dtype=np.int64)).to_numpy()

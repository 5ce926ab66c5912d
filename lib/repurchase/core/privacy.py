"""Customer identifiers in stakeholder reports: masked, hashed or shown.

HTML reports show IDs according to ``privacy.customer_ids`` (default ``mask``);
exports under ``exports/`` keep real IDs for CRM use and are not linked from the
index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ID_MODES = ("mask", "hash", "show")


def mask_ids(ids: pd.Series, mode: str = "mask", *, salt: str = "") -> pd.Series:
    """Return IDs fit for a stakeholder report.

    Parameters
    ----------
    ids
        Customer identifiers.
    mode
        ``mask``: keep the first and last character, e.g. ``C0012345`` -> ``C******5``;
        ``hash``: a stable 10-character hash (salted with ``salt``, e.g. the client);
        ``show``: unchanged.

    Returns
    -------
    pandas.Series
        Strings, same index.
    """
    if mode not in ID_MODES:
        raise ValueError(f"privacy.customer_ids must be one of {', '.join(ID_MODES)}, got {mode!r}")
    text = ids.astype("string")
    if mode == "show":
        return text
    if mode == "hash":
        key = (salt + "repurchase-ids-16")[:16]
        hashed = pd.util.hash_pandas_object(text.fillna(""), index=False, hash_key=key).to_numpy()
        out = pd.Series(np.char.mod("%016x", hashed), index=ids.index, dtype="string").str[:10]
        return out.where(text.notna())
    lengths = text.str.len().fillna(0).astype(int)
    stars = pd.Series("*", index=ids.index, dtype="string").str.repeat((lengths - 2).clip(lower=1))
    masked = text.str[:1] + stars + text.str[-1:]
    return masked.where(lengths > 2, "***").where(text.notna())

"""Customer IDs in reports: masked, hashed per client, or shown."""

from __future__ import annotations

import pandas as pd
import pytest

from repurchase.core.privacy import mask_ids


def test_mask_ids_modes():
    ids = pd.Series(["C0012345", "AB", None])
    assert mask_ids(ids).tolist()[:2] == ["C******5", "***"]
    hashed = mask_ids(ids, "hash", salt="x")
    assert hashed[0] != "C0012345" and len(hashed[0]) == 10 and hashed[0] == mask_ids(ids, "hash", salt="x")[0]
    assert hashed[0] != mask_ids(ids, "hash", salt="y")[0]  # salted per client
    assert mask_ids(ids, "show").tolist()[:2] == ["C0012345", "AB"]
    with pytest.raises(ValueError, match="must be one of mask, hash, show"):
        mask_ids(ids, "blur")

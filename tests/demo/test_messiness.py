"""The export faults: each present, at its designed rate, looking like real exports, on mostly clean rows."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from repurchase.demo import MESSINESS_RATES


def _fault_flags(kit: ModuleType, raw: pd.DataFrame, client: str) -> dict[str, pd.Series]:
    cfg = kit.CLIENTS[client]
    cid, amount, date = raw["cid"], raw["amount"], raw["date"]
    num = pd.to_numeric(amount, errors="coerce")
    ts = pd.to_datetime(date.where(date.str.fullmatch(cfg["dominant"])), format="mixed", errors="coerce")
    paid = raw["status"] == cfg["paid"]
    return {
        "exact_duplicate": raw.duplicated(),
        "blank_customer_id": cid.str.strip() == "",
        "customer_id_variant": (cid.str.strip() != "") & (cid != cid.str.strip().str.upper()),
        "amount_as_text": amount.str.contains("[¥￥元]", regex=True),
        "zero_amount": num == 0,
        "negative_amount_not_refund": paid & (num < 0),
        "date_alternate_format": (date.str.strip() != "")
        & ~date.str.fullmatch(cfg["dominant"])
        & ~date.isin(["N/A", "0000-00-00"]),
        "date_unparseable": date.isin(["N/A", "0000-00-00", ""]),
        "date_after_export": ts > kit.END,
    }


@pytest.mark.parametrize("client", ["online", "stores"])
def test_every_fault_is_present_at_its_designed_rate(kit: ModuleType, demo: Path, client: str) -> None:
    raw = kit.raw(demo, client)
    manifest = kit.manifest(demo, client)
    flags = _fault_flags(kit, raw, client)
    base = manifest["rows_before_duplicates"]
    assert len(raw) == manifest["transaction_rows"] == base + manifest["messiness_counts"]["exact_duplicate"]
    for name, rate in MESSINESS_RATES.items():
        found = int(flags[name].sum())
        assert found == manifest["messiness_counts"][name], name
        assert found > 0 and abs(found - rate * base) <= 1, (name, found, rate * base)
    any_fault = np.logical_or.reduce([f.to_numpy() for f in flags.values()])
    assert 1 - any_fault.mean() >= 0.95
    assert (raw["status"] == kit.CLIENTS[client]["cancelled"]).any()


@pytest.mark.parametrize("client", ["online", "stores"])
def test_fault_details_look_like_real_exports(kit: ModuleType, demo: Path, client: str) -> None:
    raw = kit.raw(demo, client)
    manifest = kit.manifest(demo, client)
    cid = raw["cid"]
    variants = cid[(cid.str.strip() != "") & (cid != cid.str.strip().str.upper())]
    assert variants.str.match(r"^\s").any() and variants.str.contains(r"\S\s+$").any()
    assert variants.str.strip().str.match(r"^[a-z]").any()  # lower-case IDs
    clean_ids = set(cid[cid == cid.str.strip().str.upper()])
    assert variants.str.strip().str.upper().isin(clean_ids).mean() > 0.9  # the same customers, written differently
    text = raw.loc[raw["amount"].str.contains("[¥￥元]", regex=True), "amount"]
    assert text.str.match(r"^[¥￥]\d{1,3}(,\d{3})*\.\d{2}$").any()
    assert text.str.match(r"^￥\d{1,3}(,\d{3})*(\.\d{1,2})?$").any()
    assert text.str.match(r"^\d{1,3}(,\d{3})*(\.\d{1,2})? 元$").any()
    dates = raw["date"]
    alternates = {k: v for k, v in kit.DATE_FORMATS.items() if v != kit.CLIENTS[client]["dominant"]}
    for fmt, pattern in alternates.items():
        assert int(dates.str.fullmatch(pattern).sum()) == manifest["date_alternate_formats"][fmt], fmt
    for junk in ("N/A", "0000-00-00", ""):
        assert (dates == junk).any(), junk
    # the duplicates sit next to their originals, as in a glitchy export
    dup = raw.duplicated()
    assert raw.shift(1)[dup].eq(raw[dup]).all(axis=1).all()

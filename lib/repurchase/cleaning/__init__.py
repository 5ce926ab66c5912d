"""Reading and cleaning the client's sources, with a ledger of every raw row.

* :mod:`repurchase.cleaning.io` reads a source (CSV, Excel, Parquet, SQL) into
  canonical columns;
* :mod:`repurchase.cleaning.rules` applies the cleaning rules and keeps the ledger
  (kept / fixed / excluded per rule) and the quarantine;
* :mod:`repurchase.cleaning.datasets` caches cleaned data per client and period.
"""

from __future__ import annotations

from repurchase.cleaning.rules import (
    DATE_FORMATS,
    RULE_DESCRIPTION,
    RULE_OUTCOME,
    RULES,
    CleaningResult,
    amount_distribution,
    clean_customers,
    clean_surveys,
    clean_transactions,
    cleaning_metrics,
    date_fix_hint,
    describe_outcome,
    missing_values,
    normalize_ids,
    parse_amounts,
    parse_dates,
    profile_transactions,
)

__all__ = [
    "DATE_FORMATS",
    "RULES",
    "RULE_DESCRIPTION",
    "RULE_OUTCOME",
    "CleaningResult",
    "amount_distribution",
    "clean_customers",
    "clean_surveys",
    "clean_transactions",
    "cleaning_metrics",
    "date_fix_hint",
    "describe_outcome",
    "missing_values",
    "normalize_ids",
    "parse_amounts",
    "parse_dates",
    "profile_transactions",
]

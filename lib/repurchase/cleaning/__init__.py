"""Reading and cleaning the client's sources, with a ledger of every raw row, and the cleaning report.

Where each part lives:

* :mod:`~repurchase.cleaning.io` reads a source (CSV, Excel, Parquet, SQL) into
  canonical columns, all as text;
* :mod:`~repurchase.cleaning.parsing` parses the values (IDs, amounts written as
  text, dates in mixed formats);
* :mod:`~repurchase.cleaning.rules` applies the cleaning rules (:data:`RULES`) and
  keeps the ledger (kept / fixed / excluded per rule) and the quarantine in a
  :class:`CleaningResult`;
* :mod:`~repurchase.cleaning.profile` profiles the cleaned data (headline
  figures, blank values, amount distribution, weekly revenue);
* :mod:`~repurchase.cleaning.datasets` caches cleaned data per client and period
  (Parquet); the other analyses read it from there;
* :mod:`~repurchase.cleaning.pipeline` is the ``cleaning`` stage:
  :func:`run_cleaning` gives the :class:`CleaningReport` notebook 01 shows, its
  metrics and ``quarantine.csv``;
* :mod:`~repurchase.cleaning.text` builds the report's tables and sentences.
"""

from __future__ import annotations

from repurchase.cleaning import text
from repurchase.cleaning.parsing import DATE_FORMATS, date_fix_hint, normalize_ids, parse_amounts, parse_dates
from repurchase.cleaning.pipeline import STAGE, CleaningReport, SourceCleaning, cleaning_metrics, run_cleaning
from repurchase.cleaning.profile import (
    DataProfile,
    amount_distribution,
    amount_histogram,
    amount_median,
    missing_values,
    profile_transactions,
    weekly_revenue,
)
from repurchase.cleaning.rules import (
    RULE_DESCRIPTION,
    RULE_OUTCOME,
    RULES,
    CleaningResult,
    clean_customers,
    clean_surveys,
    clean_transactions,
    rule_descriptions,
)

__all__ = [
    "DATE_FORMATS",
    "RULES",
    "RULE_DESCRIPTION",
    "RULE_OUTCOME",
    "STAGE",
    "CleaningReport",
    "CleaningResult",
    "DataProfile",
    "SourceCleaning",
    "amount_distribution",
    "amount_histogram",
    "amount_median",
    "clean_customers",
    "clean_surveys",
    "clean_transactions",
    "cleaning_metrics",
    "date_fix_hint",
    "missing_values",
    "normalize_ids",
    "parse_amounts",
    "parse_dates",
    "profile_transactions",
    "rule_descriptions",
    "run_cleaning",
    "text",
    "weekly_revenue",
]

"""Reading and cleaning the client's sources, with a ledger of every raw row, and the cleaning report.

Where each part lives:

* :mod:`~repurchase.cleaning.io` reads a source (CSV, Excel, Parquet, SQL) into
  canonical columns, all as text, and says what is wrong with a header (title
  rows, no header, repeated names, another sheet) and which rows are short;
* :mod:`~repurchase.cleaning.parsing` parses the values (IDs, amounts written as
  text with the column's decimal convention, dates in mixed formats and with UTC
  offsets);
* :mod:`~repurchase.cleaning.rules` applies the cleaning rules (:data:`RULES`) and
  keeps the ledger (kept / fixed / excluded per rule), the quarantine and the
  first spelling of each ID (:func:`ids_as_written`, for exports) in a
  :class:`CleaningResult`;
* :mod:`~repurchase.cleaning.profile` profiles the cleaned data (headline
  figures, blank values, amount distribution, weekly revenue);
* :mod:`~repurchase.cleaning.datasets` caches cleaned data per client and period
  (Parquet), resolves the report period (``latest``) and refuses a period without
  a usable row; the other analyses read it from there;
* :mod:`~repurchase.cleaning.pipeline` is the ``cleaning`` stage:
  :func:`run_cleaning` gives the :class:`CleaningReport` notebook 01 shows, its
  metrics and ``quarantine.csv``;
* :mod:`~repurchase.cleaning.text` builds the report's tables and sentences.
"""

from __future__ import annotations

from repurchase.cleaning import text
from repurchase.cleaning.parsing import (
    DATE_FORMATS,
    date_fix_hint,
    non_finite,
    normalize_ids,
    parse_amounts,
    parse_dates,
)
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
    clean_campaigns,
    clean_customers,
    clean_surveys,
    clean_transactions,
    ids_as_written,
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
    "clean_campaigns",
    "clean_customers",
    "clean_surveys",
    "clean_transactions",
    "cleaning_metrics",
    "date_fix_hint",
    "ids_as_written",
    "missing_values",
    "non_finite",
    "normalize_ids",
    "parse_amounts",
    "parse_dates",
    "profile_transactions",
    "rule_descriptions",
    "run_cleaning",
    "text",
    "weekly_revenue",
]

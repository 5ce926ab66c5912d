"""The cleaning report as a stage: everything notebook 01 shows, computed once from the cleaned sources.

The cleaned data itself stays in the Parquet cache of :mod:`repurchase.cleaning.datasets`
(the other analyses read it through ``inputs.transactions()``); this result holds
what the cleaning report shows about it: where every raw row went, the rows per
rule, the quarantine, the data profile and the side sources' outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from repurchase.cleaning.profile import (
    DataProfile,
    amount_distribution,
    amount_histogram,
    amount_median,
    weekly_revenue,
)
from repurchase.cleaning.rules import CleaningResult
from repurchase.core.errors import AnalysisError
from repurchase.core.stage import Inputs, Stage

__all__ = ["STAGE", "CleaningReport", "SourceCleaning", "cleaning_metrics", "run_cleaning"]


@dataclass
class SourceCleaning:
    """Where the rows of one source went.

    Attributes
    ----------
    role
        ``transactions``, ``customers`` or ``surveys``.
    source
        Where the rows came from (the file path or database URL).
    summary
        ``outcome`` (raw, kept, fixed, excluded), ``rows``, ``share``
        (:meth:`CleaningResult.summary`).
    ledger
        Rows per rule: ``rule``, ``outcome``, ``rows``, ``description`` (the
        rule's code text; the report shows it in its language),
        see :meth:`CleaningResult.rule_counts`.
    """

    role: str
    source: str
    summary: pd.DataFrame
    ledger: pd.DataFrame

    @classmethod
    def of(cls, result: CleaningResult, role: str) -> SourceCleaning:
        return cls(role=role, source=result.source, summary=result.summary(), ledger=result.rule_counts())


@dataclass
class CleaningReport:
    """The result of the cleaning stage: what notebook 01 shows.

    Attributes
    ----------
    transactions
        Outcomes and rows per rule of the transactions source.
    quarantine
        Every excluded transaction row as read, with ``reason`` and ``raw_row``
        (written to ``quarantine.csv`` next to the report; the report shows the
        first rows, IDs masked).
    profile
        Date range, size and value of the cleaned transactions.
    missing
        Blank or missing values per source column: ``column``, ``missing``, ``share``.
    amount_quantiles
        Quantiles of the order-line amounts: ``quantile``, ``amount``.
    amount_histogram
        Positive order-line amounts in 50 log-scale bins: ``left``, ``right``, ``count``.
    amount_median
        Median of the positive order-line amounts (None without any).
    weekly_revenue
        Revenue per calendar week: ``week`` (its last day), ``revenue``.
    customers, surveys, campaigns
        The side sources' outcomes and rows per rule; None when the client has
        no such source.
    """

    transactions: SourceCleaning
    quarantine: pd.DataFrame
    profile: DataProfile
    missing: pd.DataFrame
    amount_quantiles: pd.DataFrame
    amount_histogram: pd.DataFrame
    amount_median: float | None
    weekly_revenue: pd.DataFrame
    customers: SourceCleaning | None = None
    surveys: SourceCleaning | None = None
    campaigns: SourceCleaning | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """Where the raw transaction rows went (:attr:`SourceCleaning.summary`)."""
        return self.transactions.summary

    @property
    def ledger(self) -> pd.DataFrame:
        """Rows per rule of the transactions (:attr:`SourceCleaning.ledger`)."""
        return self.transactions.ledger

    def side(self, role: str) -> SourceCleaning | None:
        """The side source ``customers``, ``surveys`` or ``campaigns`` (None when the client has none)."""
        if role not in ("customers", "surveys", "campaigns"):
            raise AnalysisError(f"no side source {role!r}; use customers, surveys or campaigns")
        side: SourceCleaning | None = getattr(self, role)
        return side


def run_cleaning(
    transactions: CleaningResult,
    *,
    customers: CleaningResult | None = None,
    surveys: CleaningResult | None = None,
    campaigns: CleaningResult | None = None,
) -> CleaningReport:
    """Everything the cleaning report shows, from the cleaning results of the sources.

    Parameters
    ----------
    transactions
        The cleaning of the transactions for the report period
        (:func:`repurchase.cleaning.datasets.load_cleaning`).
    customers, surveys, campaigns
        The cleaning of the side sources, None when the client has none.

    Returns
    -------
    CleaningReport
    """
    clean = transactions.clean
    return CleaningReport(
        transactions=SourceCleaning.of(transactions, "transactions"),
        quarantine=transactions.quarantine.reset_index(drop=True),
        profile=DataProfile.of(clean),
        missing=transactions.missing.reset_index(drop=True),
        amount_quantiles=amount_distribution(clean),
        amount_histogram=amount_histogram(clean),
        amount_median=amount_median(clean),
        weekly_revenue=weekly_revenue(clean),
        customers=None if customers is None else SourceCleaning.of(customers, "customers"),
        surveys=None if surveys is None else SourceCleaning.of(surveys, "surveys"),
        campaigns=None if campaigns is None else SourceCleaning.of(campaigns, "campaigns"),
    )


def cleaning_metrics(report: CleaningReport) -> dict[str, Any]:
    """Headline figures of the cleaning for ``metrics.json`` under ``cleaning``."""
    rows = report.summary.set_index("outcome")["rows"]
    ledger = report.ledger[report.ledger["rows"] > 0]
    by_outcome = {
        o: dict(zip(g["rule"], g["rows"].astype(int).tolist())) for o, g in ledger.groupby("outcome", sort=False)
    }
    profile = report.profile
    return {
        "raw_rows": int(rows["raw"]),
        "kept_rows": int(rows["kept"]),
        "fixed_rows": int(rows["fixed"]),
        "excluded_rows": int(rows["excluded"]),
        "excluded_by_rule": by_outcome.get("excluded", {}),
        "fixed_by_rule": by_outcome.get("fixed", {}),
        "customers": profile.customers,
        "orders": profile.orders,
        "revenue": profile.revenue,
        "first_date": profile.first_date,
        "last_date": profile.last_date,
    }


def _run(inputs: Inputs) -> CleaningReport:
    transactions = inputs.cleaning("transactions")
    return run_cleaning(
        transactions,
        customers=inputs.cleaning("customers"),
        surveys=inputs.cleaning("surveys"),
        campaigns=inputs.cleaning("campaigns"),
    )


def _exports(report: CleaningReport) -> dict[str, pd.DataFrame]:
    return {"quarantine.csv": report.quarantine}


#: The cleaning as a render runs it (see :mod:`repurchase.core.stage`): ``quarantine.csv`` next to the report.
STAGE = Stage(name="cleaning", run=_run, metrics=cleaning_metrics, exports=_exports)

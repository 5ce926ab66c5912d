"""The repurchase analysis computed once: :func:`run_repurchase`, its result, metrics and stage.

:func:`run_repurchase` computes everything notebook 02 shows (tables, chart
inputs, the inputs of its sentences) from plain data; the methods of
:class:`RepurchaseResult` give its sentences and table specs in the report
language. :data:`STAGE` is how a render runs it (result ``repurchase``, also its
section of ``metrics.json``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.occasions import purchase_occasions
from repurchase.core.params import CleaningSettings, RepurchaseSettings
from repurchase.core.periods import Period
from repurchase.core.stage import Inputs, Stage
from repurchase.core.status import Unavailable
from repurchase.core.table import Table
from repurchase.kpis import text
from repurchase.kpis.cohorts import cohort_matrix, cohort_notes, cohort_table
from repurchase.kpis.cycle import gap_durations, naive_gap_stats, purchase_cycle, purchase_cycle_curves
from repurchase.kpis.drivers import (
    driver_columns,
    products_by_buyer_type,
    refund_rates,
    refunded_lines,
    repurchase_by_first_group,
)
from repurchase.kpis.monthly import headline_kpis, monthly_kpis, n_day_repurchase, time_to_second_purchase

__all__ = ["STAGE", "RepurchaseResult", "repurchase_metrics", "run_repurchase"]


@dataclass
class RepurchaseResult:
    """Everything the repurchase report shows, for one client and period.

    Attributes
    ----------
    period
        The report month.
    settings, cleaning
        The repurchase and cleaning settings in use (they enter the definitions).
    language, currency
        The report language (default of the text methods) and the client's currency.
    monthly
        :func:`~repurchase.kpis.monthly.monthly_kpis` through the period (the trend charts).
    headline
        :func:`~repurchase.kpis.monthly.headline_kpis` of the period.
    n_day
        :func:`~repurchase.kpis.monthly.n_day_repurchase` by acquisition month.
    time_to_second
        :func:`~repurchase.kpis.monthly.time_to_second_purchase` (Kaplan–Meier curve).
    gaps
        :func:`~repurchase.kpis.cycle.gap_durations`: the gap after every occasion.
    naive_gaps
        :func:`~repurchase.kpis.cycle.naive_gap_stats` of the closed gaps.
    cycle
        :func:`~repurchase.kpis.cycle.purchase_cycle` overall and by category.
    cycle_curve
        :func:`~repurchase.kpis.cycle.purchase_cycle_curves` overall.
    cohorts, cohort_notes
        :func:`~repurchase.kpis.cohorts.cohort_table` (the last ``trend_months``
        cohorts) and its reading notes.
    retention_matrix, revenue_matrix
        :func:`~repurchase.kpis.cohorts.cohort_matrix` of retention and of the
        cumulative revenue per acquired customer (the heatmaps).
    driver_columns
        The driver columns (``category``, ``product_name``) the data have.
    first_category, first_product
        :func:`~repurchase.kpis.drivers.repurchase_by_first_group` by first
        category and by first product (the 20 most common).
    category_refunds, product_refunds
        :func:`~repurchase.kpis.drivers.refund_rates` by category and by product
        (the 15 highest).
    buyer_products
        :func:`~repurchase.kpis.drivers.products_by_buyer_type`.
    """

    period: Period
    settings: RepurchaseSettings
    cleaning: CleaningSettings
    language: str
    currency: str
    monthly: pd.DataFrame
    headline: pd.DataFrame
    n_day: pd.DataFrame
    time_to_second: pd.DataFrame
    gaps: pd.DataFrame
    naive_gaps: dict[str, float]
    cycle: pd.DataFrame
    cycle_curve: pd.DataFrame
    cohorts: pd.DataFrame
    cohort_notes: dict[str, Any]
    retention_matrix: pd.DataFrame
    revenue_matrix: pd.DataFrame
    driver_columns: list[str]
    first_category: pd.DataFrame
    first_product: pd.DataFrame
    category_refunds: pd.DataFrame
    product_refunds: pd.DataFrame
    buyer_products: pd.DataFrame

    def _lang(self, lang: str | None) -> str:
        return lang or self.language

    # -- sentences and tables, in the order of the report ------------------

    def describe_occasion(self, lang: str | None = None) -> str:
        """How purchase occasions and refunds are counted."""
        return text.describe_occasion(self.settings, self.cleaning, self._lang(lang))

    def describe_settings(self, lang: str | None = None) -> str:
        """This client's values of the settings that enter the definitions."""
        return text.describe_settings(self.settings, self._lang(lang))

    def describe_headline(self, lang: str | None = None) -> str:
        """The month's buyers and 复购率, with the comparisons."""
        return text.describe_headline(self.headline, self.currency, self._lang(lang))

    def headline_table(self, lang: str | None = None) -> Table:
        """The headline KPIs with the previous month and the same month last year."""
        return text.headline_table(self.headline, self.period.label, self.currency, self._lang(lang))

    def describe_time_to_second(self, lang: str | None = None) -> str:
        """Share of first-time buyers with a second purchase by 30, 90 and 365 days."""
        return text.describe_time_to_second(self.time_to_second, lang=self._lang(lang))

    def describe_cycle(self, lang: str | None = None) -> str | Unavailable:
        """The purchase cycle and the expected next-purchase window."""
        return text.describe_cycle(self.cycle, self.naive_gaps, self.settings.cycle_horizon_days, self._lang(lang))

    def cycle_table(self, lang: str | None = None) -> Table:
        """The purchase cycle overall and by category."""
        return text.cycle_table(self.cycle, "category", self._lang(lang))

    def describe_cohorts(self, lang: str | None = None) -> str:
        """The retention of the cohorts, with the caveats of the data."""
        return text.describe_cohorts(self.cohorts, self.cohort_notes, self._lang(lang))

    def describe_drivers_available(self, lang: str | None = None) -> str:
        """Which columns the driver analyses can use."""
        return text.describe_drivers_available(self.driver_columns, lang=self._lang(lang))

    def describe_first_groups(self, lang: str | None = None) -> str:
        """Which first categories bring customers back."""
        days = self.settings.first_purchase_window_days
        return text.describe_first_groups(
            self.first_category, "category", days, self._lang(lang), has_column="category" in self.driver_columns
        )

    def first_groups_table(self, lang: str | None = None) -> Table:
        """Repurchase by first category, with Wilson intervals."""
        return text.first_groups_table(self.first_category, "category", self._lang(lang))

    def describe_refunds(self, lang: str | None = None) -> str:
        """The overall refund rate and the category with the highest."""
        return text.describe_refunds(
            self.category_refunds, "category", self._lang(lang), has_column="category" in self.driver_columns
        )

    def refunds_table(self, lang: str | None = None) -> Table:
        """The products with the highest refund rates."""
        return text.refunds_table(self.product_refunds, "product_name", self.currency, self._lang(lang))

    def describe_buyer_products(self, lang: str | None = None) -> str:
        """The product most over-represented among repeat buyers."""
        return text.describe_buyer_products(
            self.buyer_products, lang=self._lang(lang), has_column="product_name" in self.driver_columns
        )

    def glossary_table(self, lang: str | None = None) -> Table:
        """Every figure of the report with its name in the other language and its definition."""
        return text.glossary_table(self.settings, self._lang(lang))


def run_repurchase(
    tx: pd.DataFrame,
    period: Period,
    settings: RepurchaseSettings | None = None,
    *,
    cleaning: CleaningSettings | None = None,
    refunded: pd.DataFrame | None = None,
    exported_at: dt.date | None = None,
    language: str = "en",
    currency: str = "",
) -> RepurchaseResult:
    """Compute everything the repurchase report shows.

    Parameters
    ----------
    tx
        Cleaned transactions up to the end of ``period`` (one row per order line).
    period
        The report month; the observation ends with it.
    settings
        ``params.repurchase`` (occasion, reactivation gap, N-day windows …).
    cleaning
        ``params.cleaning`` (how refunds were treated, for the counting sentence).
    refunded
        Order lines the cleaning excluded as refunded
        (:func:`~repurchase.kpis.drivers.refunded_lines`), for the refund rates.
    exported_at
        The export date of the transactions source, if known (cohort notes).
    language, currency
        The report language and the client's currency.

    Raises
    ------
    InsufficientData
        When no purchase lies before the end of the period.
    """
    s = settings or RepurchaseSettings()
    window_days = s.first_purchase_window_days
    occ = purchase_occasions(tx, s.occasion)
    monthly = monthly_kpis(occ, period, reactivation_gap_days=s.reactivation_gap_days, repeat_orders=s.repeat_orders)
    cohorts = cohort_table(occ, period, max_cohorts=s.trend_months)
    first = {
        by: repurchase_by_first_group(
            tx,
            occ,
            period,
            by=by,
            window_days=window_days,
            min_customers=s.min_group_customers,
            top=top,
            occasion=s.occasion,
        )
        for by, top in (("category", None), ("product_name", 20))
    }
    return RepurchaseResult(
        period=period,
        settings=s,
        cleaning=cleaning or CleaningSettings(),
        language=language,
        currency=currency,
        monthly=monthly,
        headline=headline_kpis(occ, period, s, monthly),
        n_day=n_day_repurchase(occ, period, s.n_day_windows),
        time_to_second=time_to_second_purchase(occ, period),
        gaps=gap_durations(occ, period),
        naive_gaps=naive_gap_stats(occ, period),
        cycle=purchase_cycle(tx, period, by="category", horizon_days=s.cycle_horizon_days, occasion=s.occasion),
        cycle_curve=purchase_cycle_curves(tx, period, occasion=s.occasion),
        cohorts=cohorts,
        cohort_notes=cohort_notes(occ, period, reactivation_gap_days=s.reactivation_gap_days, exported_at=exported_at),
        retention_matrix=cohort_matrix(cohorts, "retention"),
        revenue_matrix=cohort_matrix(cohorts, "cum_revenue_per_customer"),
        driver_columns=driver_columns(tx),
        first_category=first["category"],
        first_product=first["product_name"],
        category_refunds=refund_rates(tx, "category", refunded),
        product_refunds=refund_rates(tx, "product_name", refunded, top=15),
        buyer_products=products_by_buyer_type(tx, occ, period, by="product_name", window_days=window_days),
    )


def repurchase_metrics(
    headline: pd.DataFrame,
    monthly: pd.DataFrame,
    period: Period,
    *,
    settings: RepurchaseSettings | None = None,
    cycle: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Headline figures for ``metrics.json`` under ``repurchase``.

    Every headline KPI appears as ``<kpi>``, ``<kpi>_prev_period`` and
    ``<kpi>_prev_year`` (None where undefined), plus ``trend``: one dict per month
    of the last ``trend_months`` months with ``month``, ``buyers``,
    ``repurchase_rate_customers``, ``buyback_rate``, ``revenue`` and ``aov``.
    """
    s = settings or RepurchaseSettings()
    out: dict[str, Any] = {
        "period": period.label,
        "occasion": s.occasion,
        "reactivation_gap_days": s.reactivation_gap_days,
    }

    def plain(value: float, unit: str) -> float | int | None:
        value = float(value)
        if not np.isfinite(value):
            return None
        return round(value) if unit == "count" else value

    for row in headline.itertuples(index=False):  # one row per KPI, about twenty
        out[str(row.kpi)] = plain(row.value, str(row.unit))
        out[f"{row.kpi}_prev_period"] = plain(row.prev_period, str(row.unit))
        out[f"{row.kpi}_prev_year"] = plain(row.prev_year, str(row.unit))
    if cycle is not None and len(cycle):
        row_all = cycle[cycle["group"] == "all"].iloc[0]
        out["purchase_cycle_km_p90"] = plain(row_all["km_p90"], "days")
        out["expected_next_purchase_days_low"] = plain(row_all["window_median"], "days")
        out["expected_next_purchase_days_high"] = plain(row_all["window_p90"], "days")
        out["cycle_horizon_days"] = s.cycle_horizon_days
    recent = monthly[monthly["month"] <= period.start].tail(s.trend_months)
    out["trend"] = [
        {
            "month": m.strftime("%Y-%m"),
            "buyers": int(b),
            "repurchase_rate_customers": plain(r, "rate"),
            "buyback_rate": plain(bb, "rate"),
            "revenue": float(rev),
            "aov": plain(a, "money"),
        }
        for m, b, r, bb, rev, a in zip(
            recent["month"],
            recent["buyers"],
            recent["repurchase_rate_customers"],
            recent["buyback_rate"],
            recent["revenue"],
            recent["aov"],
        )
    ]
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in out.items()}


def _metrics(result: RepurchaseResult) -> dict[str, Any]:
    return repurchase_metrics(
        result.headline, result.monthly, result.period, settings=result.settings, cycle=result.cycle
    )


def _stage_run(inputs: Inputs) -> RepurchaseResult:
    p = inputs.params
    return run_repurchase(
        inputs.transactions(),
        inputs.period,
        p.repurchase,
        cleaning=p.cleaning,
        refunded=refunded_lines(inputs.cleaning("transactions"), p.cleaning),
        exported_at=p.sources.transactions.exported_at,
        language=p.language,
        currency=p.currency,
    )


#: The repurchase analysis as a render runs it (see :mod:`repurchase.core.stage`): no exports.
STAGE = Stage(name="repurchase", run=_stage_run, metrics=_metrics)

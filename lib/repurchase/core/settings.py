"""The settings of each analysis (``cleaning:``, ``repurchase:`` … ``render:`` in a params file).

Each block is a typed, validated model with defaults that work; :mod:`repurchase.core.params`
assembles them into :class:`~repurchase.core.params.Params`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from repurchase.core.errors import clip
from repurchase.core.schemes import (
    BUILTIN_SCHEMES,
    default_frequency_thresholds,
    frequency_threshold_problems,
    rule_table_problems,
)
from repurchase.core.tiers import DEFAULT_FREQUENCY_TIERS

__all__ = [
    "NAMED_BACKENDS",
    "CampaignSettings",
    "ChurnSettings",
    "CleaningSettings",
    "Engine",
    "LifetimeValueSettings",
    "MonitoringSettings",
    "PrivacySettings",
    "RecommendationSettings",
    "RenderSettings",
    "RepurchaseSettings",
    "SatisfactionSettings",
    "SegmentationSettings",
    "StrictModel",
    "backend_problem",
]


class StrictModel(BaseModel):
    """Base for every params section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class CleaningSettings(StrictModel):
    """Cleaning rules and their settings (see :mod:`repurchase.cleaning`)."""

    refunds: Literal["net", "exclude"] = Field(
        "net",
        description="net: subtract refunds from their orders (fully refunded orders are excluded); "
        "exclude: drop refunded orders with their refund rows.",
    )
    refund_statuses: list[str] = Field(
        default_factory=lambda: ["refund", "refunded", "return", "returned", "已退款", "退款", "退货"],
        description="status values (case-insensitive) that mark a refund row",
    )
    cancelled_statuses: list[str] = Field(
        default_factory=lambda: ["cancelled", "canceled", "void", "已取消", "取消"],
        description="status values that mark an order that never happened",
    )
    id_case: Literal["upper", "lower", "keep"] = Field(
        "upper", description="how to fold the case of IDs so that 'c001' and 'C001 ' are one customer"
    )
    drop_exact_duplicates: bool = Field(
        True,
        description="drop rows identical in every mapped column (set false when the source has no order ID and repeats are real)",
    )
    zero_amounts: Literal["exclude", "keep"] = Field(
        "exclude", description="keep zero-amount rows as purchase occasions (e.g. free items), or exclude them"
    )
    day_first: bool = Field(False, description="read ambiguous dates like 03/04/2026 as day/month")
    timezone: str | None = Field(
        None,
        description="the client's time zone (e.g. Asia/Shanghai): dates written with a UTC offset are converted "
        "to its local calendar day; when omitted the offset is dropped and the written day kept",
    )
    min_date: dt.date = Field(
        dt.date(1990, 1, 1), description="order dates before this day are placeholders or typing errors, excluded"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(v, sorted(zoneinfo.available_timezones()), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"unknown time zone {clip(v, 60)}{hint}; use an IANA name such as Asia/Shanghai or UTC"
            ) from None
        return v


class RepurchaseSettings(StrictModel):
    """Settings of the repurchase analysis."""

    occasion: Literal["customer_day", "order"] = Field(
        "customer_day", description="a purchase occasion is a distinct customer-day, or one order"
    )
    reactivation_gap_days: int = Field(
        180, ge=1, description="a returning buyer is reactivated after this many days without a purchase"
    )
    n_day_windows: list[int] = Field(
        default_factory=lambda: [30, 60, 90], description="N of the N-day repurchase rates of first-time buyers"
    )
    trend_months: int = Field(24, ge=2, description="months shown in the KPI trend charts")
    repeat_orders: Literal["beyond_first", "all_of_repeaters"] = Field(
        "beyond_first",
        description="复购率 by order: count a buyer's occasions beyond the first as repeats (beyond_first), "
        "or every occasion of buyers with 2 or more (all_of_repeaters)",
    )
    cycle_horizon_days: int = Field(
        365, ge=30, description="the expected next-purchase window is read among gaps that close within this many days"
    )
    first_purchase_window_days: int = Field(
        90, ge=1, description="repurchase by first category/product counts a second purchase within this many days"
    )
    min_group_customers: int = Field(30, ge=1, description="smaller categories/products are pooled into (other)")


class SegmentationSettings(StrictModel):
    """Settings of the segmentation analysis (see :mod:`repurchase.segments`)."""

    rfm_bins: int = Field(5, ge=2, le=9, description="score bins for R, F and M (5 = quintiles)")
    frequency_scoring: Literal["thresholds", "quantiles"] = Field(
        "thresholds",
        description="F score: fixed occasion thresholds (frequency_thresholds), or quantiles of occasions with tied "
        "customers kept together (never split by ID); either way F 1 is exactly the one-time buyers",
    )
    frequency_thresholds: list[int] | None = Field(
        None,
        description="minimum occasions of F 2..rfm_bins, increasing, the first at least 2; default [2, 3, 5, 10] "
        "(F 1 = 1 occasion, 2 = 2, 3 = 3-4, 4 = 5-9, 5 = 10+), its first rfm_bins - 1 values with fewer bins",
    )
    monetary: Literal["total", "average"] = Field(
        "total", description="M is the total spend in the reference window, or the average spend per occasion"
    )
    reference_months: int | None = Field(None, ge=1, description="score on the last N months; all history when omitted")
    scheme: str = Field(
        "rfm11", description="rfm11 (11 named segments), cn8 (Chinese 8 classes) or a name under custom_schemes"
    )
    custom_schemes: dict[str, dict[str, list[str | int]]] = Field(
        default_factory=dict,
        description="your own rule tables: scheme name -> {segment: [score codes]}; a code is R then round-half-up((F+M)/2), "
        "e.g. '54', or R, F and M, e.g. '543'; every cell of the grid must belong to exactly one segment",
    )
    cn8_split: Literal["mean", "median"] = Field(
        "mean", description="cn8: R, F and M are high when better than this centre of the values (R high = more recent)"
    )
    actions: dict[str, str] = Field(
        default_factory=dict,
        description="recommended action per segment or frequency tier (in the report language), replacing the default text",
    )
    frequency_tiers: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_FREQUENCY_TIERS),
        description="minimum occasions for each tier; everyone else is one-time",
    )
    tier_source: Literal["auto", "customers", "simulated"] = Field(
        "auto",
        description="member tiers: auto uses the customers source's tier column when there is one and simulates them "
        "from spend otherwise; customers requires it; simulated always uses the thresholds below",
    )
    tier_basis: Literal["spend", "points"] = Field(
        "spend",
        description="tier thresholds are rolling-12-month spend, or base points (spend / 100 x the first tier's points_per_100)",
    )
    tier_names: list[str] = Field(
        default_factory=lambda: ["normal", "gold", "diamond"], min_length=1, description="member tiers, lowest first"
    )
    tier_thresholds: list[float] | None = Field(
        None,
        description="minimum rolling-12-month spend (or points) of each tier after the first, e.g. [2000, 10000]; "
        "when omitted they are set from the data with tier_top_shares",
    )
    tier_top_shares: list[float] = Field(
        default_factory=lambda: [0.20, 0.04],
        description="without tier_thresholds: share of the last 12 months' buyers at or above each tier after the first "
        "(thresholds are that quantile of spend, rounded to 2 significant digits)",
    )
    points_per_100: list[float] = Field(
        default_factory=lambda: [1.0, 2.0, 3.0], description="points earned per 100 spent, per tier (lowest first)"
    )
    point_value: float = Field(1.0, ge=0, description="value of one point in the report currency, for the liability")
    tier_aliases: dict[str, str] = Field(
        default_factory=lambda: {
            "普通": "normal",
            "普通会员": "normal",
            "黄金": "gold",
            "黄金会员": "gold",
            "钻石": "diamond",
            "钻石会员": "diamond",
        },
        description="tier labels in the customers source -> tier_names (labels are matched case-insensitively)",
    )
    upgrade_within: float = Field(
        0.2,
        gt=0,
        le=1,
        description="customers whose spend to the next tier is at most this share of its threshold are listed as close",
    )

    @model_validator(mode="after")
    def _check_segmentation(self) -> SegmentationSettings:
        problems: list[str] = []
        for name, rules in self.custom_schemes.items():
            if name in BUILTIN_SCHEMES:
                problems.append(f"custom_schemes.{name}: {name!r} is a built-in scheme; give your table another name")
                continue
            problems += [f"custom_schemes.{name}: {p}" for p in rule_table_problems(rules, self.rfm_bins)]
        known = [*BUILTIN_SCHEMES, *self.custom_schemes]
        if self.scheme not in known:
            close = difflib.get_close_matches(self.scheme, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                f"scheme: unknown scheme {self.scheme!r}{hint}; use one of {', '.join(known)}, "
                "or add your rule table under custom_schemes"
            )
        elif self.scheme in BUILTIN_SCHEMES and BUILTIN_SCHEMES[self.scheme].levels not in (None, self.rfm_bins):
            problems.append(
                f"scheme: {self.scheme} is defined on {BUILTIN_SCHEMES[self.scheme].levels} score bins; "
                f"set rfm_bins: {BUILTIN_SCHEMES[self.scheme].levels}, or use cn8 or a custom scheme"
            )
        n = len(self.tier_names)
        if len(set(self.tier_names)) != n:
            problems.append("tier_names: names must be distinct")
        if len(self.points_per_100) != n or any(p < 0 for p in self.points_per_100):
            problems.append(f"points_per_100: give one rate (>= 0) per tier in tier_names ({n})")
        if self.tier_thresholds is not None:
            t = self.tier_thresholds
            if len(t) != n - 1 or any(x <= 0 for x in t) or any(b <= a for a, b in itertools.pairwise(t)):
                problems.append(
                    f"tier_thresholds: give {n - 1} increasing positive values, one per tier after "
                    f"{self.tier_names[0]!r} (the first tier starts at 0)"
                )
        else:
            s = self.tier_top_shares
            if len(s) != n - 1 or any(not 0 < x < 1 for x in s) or any(b >= a for a, b in itertools.pairwise(s)):
                problems.append(
                    f"tier_top_shares: give {n - 1} decreasing shares between 0 and 1, one per tier after "
                    f"{self.tier_names[0]!r}, or set tier_thresholds"
                )
        bad_alias = sorted({v for v in self.tier_aliases.values() if v not in self.tier_names})
        if bad_alias and "tier_aliases" in self.model_fields_set:
            problems.append(
                f"tier_aliases: {', '.join(map(repr, bad_alias))} not in tier_names "
                f"({', '.join(self.tier_names)}); map each label to one of them"
            )
        if self.frequency_thresholds is None:
            default = default_frequency_thresholds(self.rfm_bins)
            if default is None and self.frequency_scoring == "thresholds":
                problems.append(
                    f"frequency_thresholds: with rfm_bins {self.rfm_bins} there is no default; "
                    + frequency_threshold_problems([], self.rfm_bins)[0]
                    + ", or set frequency_scoring: quantiles"
                )
            self.frequency_thresholds = list(default or [])
        else:
            problems += [
                f"frequency_thresholds: {p}"
                for p in frequency_threshold_problems(self.frequency_thresholds, self.rfm_bins)
            ]
        thresholds = list(self.frequency_tiers.values())
        if (
            any(v < 2 for v in thresholds)
            or len(set(thresholds)) != len(thresholds)
            or "one-time" in self.frequency_tiers
        ):
            problems.append(
                "frequency_tiers: give each tier a distinct minimum of at least 2 occasions "
                "(customers below the lowest are one-time), e.g. {high: 4, occasional: 2}"
            )
        if problems:
            raise ValueError("\n".join(problems))  # one line per problem (see _describe)
        return self


class LifetimeValueSettings(StrictModel):
    """Settings of the lifetime-value analysis."""

    time_unit: Literal["D", "W", "M"] = Field("W", description="D days, W weeks (days / 7), M months (days / 30.4375)")
    calibration_start: dt.date | None = None
    calibration_end: dt.date | None = Field(
        None, description="end of calibration; default: holdout_weeks before the period end"
    )
    holdout_end: dt.date | None = Field(None, description="end of holdout; default: the period end")
    holdout_weeks: int = Field(26, ge=1)
    model: Literal["auto", "bgnbd", "pareto_nbd", "mbgnbd"] = "auto"
    horizon_months: int = Field(12, ge=1)
    discount_rate_annual: float = Field(0.10, ge=0, lt=1)
    margin: float = Field(1.0, gt=0, le=1, description="gross margin; CLV is on margin when below 1")
    penalizer: float = Field(0.0, ge=0, description="L2 penalizer of the first fit (0 = plain maximum likelihood)")
    bootstrap_draws: int = Field(200, ge=0, description="parametric bootstrap draws for CLV intervals; 0 skips them")
    retry_penalizer: float = Field(
        0.001, gt=0, description="penalizer of the single retry after a fit fails to converge (reported, never hidden)"
    )
    interval_level: float = Field(
        0.9, gt=0, lt=1, description="probability of the CLV intervals, e.g. 0.9 = 5th-95th percentiles"
    )
    random_seed: int = Field(0, ge=0, description="seed of the bootstrap draws (same seed, same intervals)")
    spend_correlation_warning: float = Field(
        0.3, gt=0, lt=1, description="warn when |corr(frequency, mean spend)| exceeds this (Gamma-Gamma assumes 0)"
    )


class ChurnSettings(StrictModel):
    """Settings of the churn analysis (see :mod:`repurchase.churn`)."""

    threshold_days: int | None = Field(
        None,
        ge=1,
        description="fixed inactivity threshold in days; default: the Kaplan-Meier quantile of purchase gaps below",
    )
    threshold_quantile: float = Field(
        0.9, gt=0, lt=1, description="quantile of the days to the next purchase used as the inactivity threshold"
    )
    threshold_horizon_days: int | None = Field(
        365,
        ge=1,
        description="read the quantile among gaps that close within this many days (finite even when many "
        "customers never return); null for the unconditional Kaplan-Meier quantile",
    )
    label_window_days: int = Field(
        90,
        ge=1,
        description="N: churn in the early-warning model and the BG/NBD score = no purchase in the next N days",
    )
    population: Literal["active", "all"] = Field(
        "active",
        description="customers the early-warning model is trained and tested on: active (days since the last "
        "purchase at most the threshold at the cutoff) or all past buyers",
    )
    at_risk_probability: float = Field(
        0.5, gt=0, lt=1, description="active customers whose predicted churn probability is at least this are at risk"
    )
    value_basis: Literal["auto", "clv", "annual_spend"] = Field(
        "auto",
        description="value of a customer in the at-risk list: CLV (BG/NBD + Gamma-Gamma), spend in the last "
        "365 days, or auto (CLV when it can be fitted, else annual spend)",
    )
    value_band_shares: list[float] = Field(
        default_factory=lambda: [0.2, 0.5],
        description="value bands of active customers: the top 20% are high, up to "
        "the top 50% mid, the rest low (two increasing cumulative shares)",
    )
    survival_horizons: list[int] = Field(
        default_factory=lambda: [30, 90, 180, 365], min_length=1, description="days at which S(t) is reported"
    )
    trend_months: int = Field(24, ge=2, description="months shown in the churn trend")
    min_group_size: int = Field(
        30, ge=1, description="groups (segments, categories, ...) with fewer customers are pooled as 'other'"
    )
    actions: dict[str, str] = Field(
        default_factory=dict,
        description="retention action per 'role/band' (e.g. 'loyal/high'), replacing the "
        "default text; roles: loyal, developing, one-time; bands: high, mid, low",
    )
    random_state: int = Field(0, description="seed of the models, splits and permutation importance")

    @model_validator(mode="after")
    def _check_churn(self) -> ChurnSettings:
        problems: list[str] = []
        s = self.value_band_shares
        if len(s) != 2 or not 0 < s[0] < s[1] < 1:
            problems.append("value_band_shares: give two increasing shares between 0 and 1, e.g. [0.2, 0.5]")
        if any(h < 1 for h in self.survival_horizons):
            problems.append("survival_horizons: give whole days >= 1, e.g. [30, 90, 180, 365]")
        keys = {f"{r}/{b}" for r in ("loyal", "developing", "one-time") for b in ("high", "mid", "low")}
        for k in self.actions:
            if k not in keys:
                close = difflib.get_close_matches(k, sorted(keys), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"actions: unknown key {k!r}{hint}; use role/band, e.g. loyal/high")
        if problems:
            raise ValueError("\n".join(problems))  # one line per problem (see _describe)
        return self


class SatisfactionSettings(StrictModel):
    """Settings of the satisfaction analysis (see :mod:`repurchase.satisfaction`)."""

    repurchase_window_days: int = Field(
        90,
        ge=1,
        description="N: repurchase counts a purchase within N days after the response (responses with fewer "
        "than N days observed before the period end are left out of the rate)",
    )
    churn_window_days: int = Field(180, ge=1, description="churned after a response: no purchase within this many days")
    min_group_size: int = Field(30, ge=1, description="groups with fewer NPS answers are flagged, not ranked")
    score_months: int = Field(
        1, ge=1, le=12, description="months per scored period: 1 scores the report month against the month before"
    )
    analysis_months: int = Field(
        12, ge=1, description="breakdowns, key drivers and comments pool the responses of the last N months"
    )
    driver_target: Literal["nps", "csat"] = Field("nps", description="overall score the aspect ratings explain")
    comment_terms: int = Field(10, ge=1, le=50, description="words shown per NPS group and per side of the comparison")
    sample_comments: int = Field(3, ge=0, le=20, description="sample comments shown per NPS group")
    log_odds_prior_scale: float = Field(
        1.0, gt=0, description="strength of the informative Dirichlet prior: multiplies the word counts of all comments"
    )
    coverage_lookback_days: int = Field(
        365, ge=1, description="prior behaviour of respondents is measured over these days before the period"
    )
    representative_smd: float = Field(
        0.2,
        gt=0,
        description="respondents are flagged as not representative when |standardized mean difference| of "
        "prior frequency or spend exceeds this",
    )
    adjust_occasions: list[int] = Field(
        default_factory=lambda: [1, 2, 3, 5, 10],
        description="strata of the adjusted satisfaction -> repurchase gap, part 1: lowest purchase occasions before "
        "the response of each band (default 1, 2, 3-4, 5-9, 10+; no purchase before is a stratum of its own)",
    )
    adjust_recency_days: list[int] = Field(
        default_factory=lambda: [7, 30, 90, 365],
        description="strata, part 2: highest days from the last purchase before the response of each band but the "
        "last (default 0-7, 8-30, 31-90, 91-365, 366+ days)",
    )

    @model_validator(mode="after")
    def _check_strata(self) -> SatisfactionSettings:
        problems: list[str] = []
        o, r = self.adjust_occasions, self.adjust_recency_days
        if not o or o[0] != 1 or any(b <= a for a, b in itertools.pairwise(o)):
            problems.append(
                "adjust_occasions: give increasing whole numbers starting at 1, the lowest occasions of each band, "
                "e.g. [1, 2, 3, 5, 10]"
            )
        if any(x < 0 for x in r) or any(b <= a for a, b in itertools.pairwise(r)):
            problems.append(
                "adjust_recency_days: give increasing whole numbers of days (0 or more), the last day of each band "
                "but the open last one, e.g. [7, 30, 90, 365]"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self


class RecommendationSettings(StrictModel):
    """Settings of the recommendations and trigger lists (see :mod:`repurchase.recommendations`)."""

    k: int = Field(5, ge=1, le=50, description="items recommended per customer (and the k of hit rate@k)")
    item: Literal["auto", "product", "category"] = Field(
        "auto", description="what is recommended: products (product_id), categories, or auto (products if any)"
    )
    holdout_days: int = Field(
        30, ge=7, description="the evaluation tests on the last this many days of the period, trained before them"
    )
    half_life_days: float = Field(90.0, gt=0, description="an occasion this many days old counts half in repeat items")
    min_support: float = Field(
        0.001, gt=0, lt=1, description="bought together: item sets in at least this share of purchase occasions"
    )
    trigger_days: int = Field(14, ge=1, le=92, description="trigger lists cover the days after the report period end")
    random_state: int = Field(0, description="seed of the bootstrap intervals and of the customers shown as examples")


class CampaignSettings(StrictModel):
    """Settings of the campaign tests (see :mod:`repurchase.campaigns`)."""

    treatment_label: str = Field("treatment", description="value of the group column for treated customers")
    control_label: str = Field("control", description="value of the group column for the control group")
    window_days: int = Field(
        30, ge=1, description="H: outcomes count purchases within H days from each customer's assignment day"
    )
    pre_period_days: int = Field(
        365, ge=1, description="CUPED covariate: the customer's spend in this many days before the assignment"
    )
    planned_treatment_share: float = Field(
        0.5, gt=0, lt=1, description="planned share of assigned customers in treatment (50/50 by default)"
    )
    planned_split: dict[str, float] = Field(
        default_factory=dict, description="planned treatment share per campaign name, overriding the default"
    )
    confidence: float = Field(0.90, gt=0.5, lt=1, description="level of the intervals (and 1 - alpha of the tests)")
    srm_alpha: float = Field(
        0.001, gt=0, lt=0.5, description="a sample-ratio-mismatch p-value below this flags the split as broken"
    )
    power: float = Field(0.8, gt=0.5, lt=1, description="power of the minimum detectable effect")

    @field_validator("planned_split")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, x in v.items() if not 0 < float(x) < 1]
        if bad:
            raise ValueError(f"planned_split: each share must lie between 0 and 1 (exclusive); check {', '.join(bad)}")
        return v

    def planned_share(self, campaign: str) -> float:
        """Planned treatment share of ``campaign``."""
        return float(self.planned_split.get(campaign, self.planned_treatment_share))


class MonitoringSettings(StrictModel):
    """Settings of the alerts and the forecast (see :mod:`repurchase.monitoring`)."""

    baseline_months: int = Field(
        12, ge=3, description="months before the judged one that form its control-chart baseline"
    )
    min_baseline_months: int = Field(6, ge=2, description="fewer baseline months with a value: the month is not judged")
    sigma: float = Field(3.0, gt=0, description="alert beyond centre +/- sigma standard deviations")
    warn_sigma: float = Field(2.0, gt=0, description="watch when 2 of the last 3 months lie beyond this many sigma")
    run_length: int = Field(
        8, ge=3, le=24, description="watch after this many months in a row on one side of the centre"
    )
    laney_above: float = Field(
        1.25,
        gt=0,
        description="Laney p' limits when the baseline's sigma_z (MR-bar / 1.128 of the z-scores) exceeds this",
    )
    horizon_months: int = Field(6, ge=1, le=24, description="months forecast after the report month")
    interval_level: float = Field(0.9, gt=0, lt=1, description="probability of the forecast intervals")
    draws: int = Field(200, ge=0, description="parameter draws of the forecast intervals; 0 skips them")
    seasonal: Literal["auto", "off"] = Field(
        "auto", description="auto: a monthly seasonal index multiplies the forecast when the history is long enough"
    )
    seasonal_min_months: int = Field(24, ge=24, description="months of history needed for the seasonal index")
    backtest_months: list[int] = Field(
        default_factory=lambda: [6, 12], description="backtest cutoffs, in months before the report month's end"
    )
    random_seed: int = Field(0, ge=0, description="seed of the forecast draws")


class PrivacySettings(StrictModel):
    customer_ids: Literal["mask", "hash", "show"] = Field("mask", description="how customer IDs appear in HTML reports")


#: ``engine`` in params: where the transaction -> customer aggregation runs for file sources
#: (``auto``: DuckDB over the cleaned Parquet when the log has more than 2M lines, pandas otherwise)
Engine = Literal["auto", "pandas", "duckdb"]
#: ``sources.<role>.backend``: the Ibis backends named by a word; anything else must be a connection URL
NAMED_BACKENDS = ("duckdb", "pyspark")


def backend_problem(backend: str) -> str | None:
    """Why ``backend`` is not a valid ``sources.transactions.backend`` (None when it is)."""
    if backend in NAMED_BACKENDS or "://" in backend:
        return None
    return (
        f"backend {backend!r} is neither {' nor '.join(NAMED_BACKENDS)} nor an Ibis connection URL "
        "(e.g. duckdb:///data/warehouse.duckdb, postgres://user@host/db)"
    )


class RenderSettings(StrictModel):
    cell_timeout_seconds: int = Field(900, ge=10)

"""Shared fixtures of the lifetime-value tests: CDNOW_sample, its fits and run, small clients, text helpers."""

from __future__ import annotations

import json
import re
import warnings

import matplotlib

matplotlib.use("agg")  # tests draw off-screen; the library itself never calls matplotlib.use

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.params import LifetimeValueSettings
from repurchase.core.periods import Window
from repurchase.lifetime_value import text

CAL_START, CAL_END, HOLDOUT_END = "1997-01-01", "1997-09-30", "1998-06-30"

#: Latin words a Chinese report keeps: model and metric names, parameter letters, codes
_KEEP = {
    "BG", "NBD", "Pareto", "MBG", "Gamma", "CLV", "CAC", "MAE", "RMSE", "AUC", "AIC", "BIC", "USD", "CNY",
    "lifetime_value", "model", "margin", "bgnbd", "inf", "nan",
    "acquisition_channel", "acquisition_cost",  # field names of the customers source
}  # fmt: skip


def english_words(text: str) -> list[str]:
    """Latin words of three letters or more that are not model names, metric acronyms or codes."""
    return [w for w in re.findall(r"[A-Za-z_]{3,}", text) if w not in _KEEP]


def lifetimes_utils():
    """lifetimes.utils, imported without leaking its global pandas option into other tests."""
    with (
        pd.option_context("mode.chained_assignment", pd.get_option("mode.chained_assignment")),
        warnings.catch_warnings(),
    ):
        import lifetimes.utils
    return lifetimes.utils


def cal_holdout(cal_end: str, holdout_end: str | None, start: str | None = None) -> tuple[Window, Window | None]:
    """The calibration window to ``cal_end`` and the holdout window after it to ``holdout_end``."""
    cal = Window.through(cal_end, start=start)
    return cal, None if holdout_end is None else Window.through(holdout_end, start=cal.end_exclusive)


def tiny_client(repeaters: int = 4) -> pd.DataFrame:
    """20 customers over two months (2026-09-01 .. 2026-10-31); the first ``repeaters`` buy once more 14 days later.

    Customer i first buys on day 3·i (days 0 .. 57) for 20 + 10·i.
    """
    first = pd.Timestamp("2026-09-01")
    rows = [(f"T{i:03d}", first + pd.Timedelta(days=3 * i), 20.0 + 10 * i) for i in range(20)]
    rows += [(f"T{i:03d}", first + pd.Timedelta(days=3 * i + 14), 35.0) for i in range(repeaters)]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_id=lambda d: [f"O{i}" for i in range(len(d))]
    )


def uniform_client(seed: int = 0) -> pd.DataFrame:
    """200 customers, 1 + Poisson(2) orders each on uniform days of a year, amounts uniform 20–800.

    Spend varies as much within a customer as between customers, so Gamma-Gamma
    ends at q ≈ 0.86 ≤ 1 (no finite mean spend) with this seed.
    """
    rng = np.random.default_rng(seed)
    customer = np.repeat(np.arange(200), rng.poisson(2, 200) + 1)
    day = rng.integers(0, 365, len(customer))
    return pd.DataFrame({"customer_id": [f"U{c:03d}" for c in customer],
                         "order_date": pd.Timestamp("2025-11-01") + pd.to_timedelta(day, "D"),
                         "amount": rng.uniform(20, 800, len(customer))})  # fmt: skip


def every_report_call(res: lv.LifetimeValueResult, lang: str = "en") -> dict:
    """Everything notebook 04 shows, called as the notebook calls it (no call may raise)."""
    return {
        "status": text.describe_status(res, lang), "split": text.describe_split(res, lang),
        "overview": text.overview_table(res, lang), "cal_fits": text.describe_fits(res, "calibration", lang),
        "full_fits": text.describe_fits(res, "full", lang), "fits_sentence": text.fits_sentence(res, "full", lang),
        "parameters": text.parameter_table(res, lang), "comparison": text.comparison_table(res, lang),
        "choice": text.describe_choice(res, lang), "tracking": text.describe_tracking(res, lang),
        "by_frequency": text.describe_holdout_by_frequency(res, lang),
        "histogram": text.describe_period_transactions(res, lang), "p_alive": text.describe_p_alive(res, lang),
        "spend": text.describe_spend(res, lang, "CNY"), "clv": text.describe_clv(res, lang, "CNY"),
        "totals": text.totals_table(res, lang), "top": text.top_customers_table(res, lang),
        "concentration": text.concentration_table(res, lang),
        "concentration_text": text.describe_concentration(res, lang), "groups": text.describe_groups(res, lang),
        "cohorts": (text.group_table(res, "cohort", lang), text.describe_group(res, "cohort", lang, "CNY")),
        "segments": (text.group_table(res, "segment_label", lang), text.describe_group(res, "segment_label", lang)),
        "heuristic": (text.heuristic_table(res, lang), text.describe_heuristic(res, lang, "CNY")),
        "cac": (text.cac_table(res, lang), text.describe_cac(res, lang)), "export": lv.clv_export(res),
        "metrics": json.loads(json.dumps(lv.lifetime_value_metrics(res))),
        "frames": (res.tracking, res.by_frequency, res.histogram),
    }  # fmt: skip


@pytest.fixture(scope="session")
def cdnow_cal(cdnow) -> pd.DataFrame:
    return lv.calibration_holdout_summary(cdnow, *cal_holdout(CAL_END, HOLDOUT_END, start=CAL_START))


@pytest.fixture(scope="session")
def cdnow_fits(cdnow_cal) -> lv.ModelFits:
    return lv.fit_transaction_models(cdnow_cal)


@pytest.fixture(scope="session")
def cdnow_spend(cdnow_cal) -> lv.FitResult:
    return lv.fit_spend(cdnow_cal)


@pytest.fixture(scope="session")
def cdnow_result(cdnow) -> lv.LifetimeValueResult:
    settings = LifetimeValueSettings(
        calibration_start=CAL_START, calibration_end=CAL_END, holdout_end=HOLDOUT_END, bootstrap_draws=100
    )
    return lv.run_lifetime_value(cdnow, Window.through(HOLDOUT_END), settings)


@pytest.fixture(scope="session")
def helpers():
    """The helper functions of this folder (tests import no module of their own)."""

    class Helpers:
        english_words = staticmethod(english_words)
        lifetimes_utils = staticmethod(lifetimes_utils)
        cal_holdout = staticmethod(cal_holdout)
        tiny_client = staticmethod(tiny_client)
        uniform_client = staticmethod(uniform_client)
        every_report_call = staticmethod(every_report_call)
        CAL_START, CAL_END, HOLDOUT_END = CAL_START, CAL_END, HOLDOUT_END

    return Helpers

"""The whole run: metrics, graceful degradation on small or short data, the stage, and what churn reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.errors import AnalysisError
from repurchase.core.params import LifetimeValueSettings
from repurchase.core.periods import Period, Window
from repurchase.core.store import dump, load
from repurchase.lifetime_value import text

CAL_START, CAL_END, HOLDOUT_END = "1997-01-01", "1997-09-30", "1998-06-30"
OCT_END = Window.through("2026-10-31")


def test_metrics_are_plain_json(cdnow_result):
    metrics = lv.lifetime_value_metrics(cdnow_result)
    back = json.loads(json.dumps(metrics))
    assert set(back["models"]["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(back["models"]["pareto_nbd"]) == {"r", "alpha", "s", "beta", "log_likelihood"}
    assert set(back["models"]["gamma_gamma"]) == {"p", "q", "v"}
    assert set(back["models_full"]) >= {"bgnbd", "pareto_nbd", "gamma_gamma"}
    assert back["models"]["bgnbd"]["r"] == pytest.approx(0.2426, abs=1e-4)
    assert back["selected_model"] in lv.TRANSACTION_MODELS
    assert set(back["holdout"]) == {"actual", "predicted", "calibration", "brier", "interval_coverage"}
    assert back["clv_total_low"] < back["clv_total"] < back["clv_total_high"]
    assert back["horizon_months"] == 12 and isinstance(metrics["horizon_months"], int)


def test_the_stage_and_the_results_store(cdnow_result, tmp_path):
    assert lv.STAGE.name == "lifetime_value" and lv.STAGE.requires == ("segmentation",)
    assert lv.STAGE.metrics is lv.lifetime_value_metrics
    exports = lv.STAGE.exports(cdnow_result)
    assert list(exports) == ["exports/clv.csv"]
    pd.testing.assert_frame_equal(exports["exports/clv.csv"], lv.clv_export(cdnow_result))
    back = load(dump(cdnow_result, tmp_path), tmp_path)
    assert isinstance(back, lv.LifetimeValueResult)
    assert lv.lifetime_value_metrics(back) == lv.lifetime_value_metrics(cdnow_result)
    pd.testing.assert_frame_equal(lv.clv_export(back), lv.clv_export(cdnow_result))
    assert text.describe_choice(back) == text.describe_choice(cdnow_result)
    assert isinstance(back.full_model("bgnbd"), lv.BGNBD)


def test_customer_values_and_full_models_for_churn(cdnow_result):
    values = cdnow_result.customer_values()
    assert list(values.columns) == ["customer_id", "clv", "clv_low", "clv_high", "p_alive", "p_buy_again",
                                    "expected_purchases"]  # fmt: skip
    export = lv.clv_export(cdnow_result)
    assert len(values) == len(export) == 2357
    pd.testing.assert_frame_equal(values, export[list(values.columns)])  # rounded as in exports/clv.csv
    for code, cls in (("bgnbd", lv.BGNBD), ("pareto_nbd", lv.ParetoNBD), ("mbgnbd", lv.MBGNBD)):
        model = cdnow_result.full_model(code)
        assert isinstance(model, cls) and model.params == cdnow_result.full_fits[code].params
    assert cdnow_result.full_model("gamma_gamma") is None
    bg = cdnow_result.full_model("bgnbd")
    s = cdnow_result.summary
    assert bg.p_buy_again(13.0, s["frequency"], s["recency"], s["T"]).shape == (len(s),)


def test_tiny_client_reports_no_clv_and_why(helpers):
    """20 customers, 2 months, 4 repeat buyers: no model, no CLV; nothing raises and the report says why."""
    res = lv.run_lifetime_value(helpers.tiny_client(), OCT_END, LifetimeValueSettings())
    assert res.status == "no_clv" and res.clv is None and res.model is None
    # the root cause only: the shortened holdout and the calibration are moot without repeat buyers
    assert res.reasons == ["few_repeaters"]
    shown = helpers.every_report_call(res)
    assert shown["status"] == (
        "**No lifetime value for these data.** Only 4 of 20 customers have bought more than once (10 needed), so the "
        "purchase models, P(alive) and CLV cannot be estimated. Wait for more history."
    )
    assert "see the note at the top" in shown["choice"] and "see the note at the top" in shown["clv"]
    assert shown["parameters"].empty and shown["comparison"].empty and shown["totals"].empty
    assert all(frame.empty for frame in shown["frames"]) and res.p_alive_grid.empty
    assert shown["cohorts"][0].empty and shown["cohorts"][1] == ""  # said once, by describe_groups
    assert "see the note at the top" in shown["groups"] and "see the note at the top" in shown["cac"][1]
    # 2 months: churn windows of 1 month measure nothing, so the heuristic is not available either
    assert "not available for these data either" in shown["heuristic"][1]
    m = shown["metrics"]
    assert m["status"] == "no_clv" and m["reason"] == ["few_repeaters"]
    assert m["clv_total"] is None and m["clv_total_low"] is None and m["selected_model"] is None
    assert m["holdout"] == {
        "actual": None,
        "predicted": None,
        "calibration": None,
        "brier": None,
        "interval_coverage": None,
    }
    assert m["models"]["gamma_gamma"] is None
    assert m["customers"] == 20 and m["horizon_months"] == 12
    export = shown["export"]
    assert len(export) == 20 and list(export.columns) == ["customer_id", *lv.EXPORT_COLUMNS]
    assert export["clv"].isna().all() and export["frequency"].sum() == 4
    # what churn reads: no values, no models
    assert res.customer_values().empty and list(res.customer_values().columns) == list(lv.CUSTOMER_VALUE_COLUMNS)
    assert res.full_model("bgnbd") is None
    # in Chinese too
    zh = text.describe_status(res, "zh")
    assert zh.startswith("**这些数据无法估计客户终身价值。**20 位客户中只有 4 位购买过不止一次")
    assert not helpers.english_words(zh)


def test_short_history_with_a_small_holdout_does_not_raise(helpers):
    """The reviewer's second case: holdout_weeks 4 on 2 months; 11 calibration customers, 4 repeat buyers.

    Day 0 .. 2026-10-31 is 60 days; 4 weeks = 28 days ≤ half of 60, so the holdout is kept and the
    calibration ends 2026-10-03 (customers i ≤ 10 have bought by then, T000 .. T003 twice).
    """
    res = lv.run_lifetime_value(helpers.tiny_client(), OCT_END, LifetimeValueSettings(holdout_weeks=4))
    assert res.split.calibration_end == pd.Timestamp("2026-10-03") and res.split.requested_weeks is None
    assert len(res.calibration) == 11 and (res.calibration["frequency_cal"] > 0).sum() == 4
    assert res.status == "no_clv" and res.reasons == ["few_repeaters"]
    shown = text.describe_status(res) + text.describe_fits(res, "calibration") + text.describe_fits(res, "full")
    assert "_" not in shown.replace("lifetime_value", "")  # no private class names or codes in the report


def test_a_holdout_too_long_for_the_history_is_shortened_in_the_run(helpers):
    res = lv.run_lifetime_value(helpers.tiny_client(repeaters=20), OCT_END, LifetimeValueSettings(bootstrap_draws=0))
    assert res.reasons[0] == "holdout_shortened" and res.split.calibration_end == pd.Timestamp("2026-10-11")
    assert "shortened to 2.9 weeks" in text.describe_status(res)
    # the report period gives the same run as the window through its last day
    by_period = lv.run_lifetime_value(
        helpers.tiny_client(repeaters=20), Period.from_label("2026-10"), LifetimeValueSettings(bootstrap_draws=0)
    )
    assert lv.lifetime_value_metrics(by_period) == lv.lifetime_value_metrics(res)


def test_uniform_spend_falls_back_to_the_observed_average(helpers):
    """200 customers with uniform 20–800 lines: Gamma-Gamma q ≤ 1, so CLV uses each customer's own average spend."""
    res = lv.run_lifetime_value(helpers.uniform_client(), OCT_END, LifetimeValueSettings())
    assert res.full_spend_fit.params["q"] <= 1
    assert res.status == "fallback" and "spend_q_le_1" in res.reasons and res.clv is not None
    c = res.clv.customers
    assert res.clv.spend_basis == "observed"
    # expected spend per purchase = total spend / purchase occasions (frequency + 1)
    np.testing.assert_allclose(c["expected_spend"], c["total_value"] / (c["frequency"] + 1), rtol=1e-12)
    assert np.isfinite(c["clv"]).all() and (c["clv"] > 0).all()
    est, lo, hi = res.clv.total("clv")
    assert est == pytest.approx(c["clv"].sum()) and lo < est < hi
    shown = helpers.every_report_call(res)
    assert "q = 0.86 ≤ 1" in shown["status"] and "own average spend per purchase" in shown["status"]
    assert "own average spend per purchase" in shown["spend"] and "own average spend" in shown["clv"]
    m = shown["metrics"]
    assert m["status"] == "fallback" and "spend_q_le_1" in m["reason"] and m["clv_total"] == pytest.approx(est)
    assert m["models_full"]["gamma_gamma"]["q"] <= 1  # the fit is recorded, and not used
    assert set(m) == set(lv.lifetime_value_metrics(res)) and {"status", "reason"} <= set(m)
    # called directly with the q ≤ 1 fit, the function still refuses, and names the way out
    with pytest.raises(AnalysisError, match=r"q = 0\.\d+ ≤ 1 .*spend_fit=None"):
        lv.customer_lifetime_value(res.summary, res.full_fit, res.full_spend_fit, draws=0)


def test_no_repeat_buyers_gives_no_clv():
    from repurchase.core.errors import InsufficientData

    one_timers = lv.simulate_transactions(300, seed=4).drop_duplicates("customer_id")
    res = lv.run_lifetime_value(one_timers, None, LifetimeValueSettings())
    assert res.status == "no_clv" and "few_repeaters" in res.reasons and res.clv is None
    assert "Only 0 of 300 customers have bought more than once" in text.describe_status(res)
    assert text.describe_spend(res) == "Only 0 repeat customers have a positive spend (10 needed for Gamma-Gamma)."
    # the one public class of the core, not a private one, when the models are called directly
    with pytest.raises(InsufficientData, match="none of the 300 customers has a repeat purchase") as caught:
        lv.fit_model(lv.customer_summary(one_timers), lv.BGNBD)
    assert type(caught.value) is InsufficientData
    empty = lv.run_lifetime_value(one_timers.iloc[:0], None, LifetimeValueSettings())
    assert empty.status == "no_clv" and empty.reasons == ["no_transactions"]
    assert lv.lifetime_value_metrics(empty)["customers"] == 0
    assert (
        text.describe_heuristic(empty)
        == "The heuristic needs two windows of history to measure churn; only the model CLV is available."
    )


def test_dates_outside_the_data_skip_validation_and_say_so(cdnow):
    """calibration_end before the first purchase: no holdout check, BG/NBD (the standard model) on all data."""
    import matplotlib.pyplot as plt

    settings = LifetimeValueSettings(calibration_end="1996-06-30", holdout_end="1998-06-30", bootstrap_draws=0)
    res = lv.run_lifetime_value(cdnow, Window.through("1998-06-30"), settings)
    assert res.status == "fallback" and res.reasons == ["split_invalid"] and res.model == "bgnbd"
    assert not res.validated and res.comparison.empty and res.clv is not None
    status = text.describe_status(res)
    assert "calibration_end 1996-06-30" in status and "1997-01-01 to 1998-06-30" in status
    assert text.describe_choice(res).startswith("**Model used for predictions: BG/NBD.** BG/NBD is the standard model")
    assert res.tracking.empty and res.by_frequency.empty
    # without a holdout: all data and the refit
    assert res.histogram_data == "full" and res.histogram.groupby("source")["customers"].sum()["actual"] == 2357
    assert text.describe_period_transactions(res).startswith("Without a holdout, this check uses all data")
    m = lv.lifetime_value_metrics(res)
    assert (
        m["holdout"]
        == {"actual": None, "predicted": None, "calibration": None, "brier": None, "interval_coverage": None}
        and m["calibration_end"] is None
    )
    assert m["clv_total"] > 0 and m["reason"] == ["split_invalid"]
    # empty tables draw nothing: the figure is closed, so the notebook cell stays blank
    from repurchase.plots import lifetime_value as plv

    open_before = plt.get_fignums()
    plv.plot_tracking(res.tracking)
    plv.plot_holdout_by_frequency(res.by_frequency)
    assert plt.get_fignums() == open_before


def test_a_model_that_fails_is_replaced_and_reported(cdnow, monkeypatch):
    """lifetime_value.model: pareto_nbd, but Pareto/NBD never converges: the holdout's best model is used."""
    from repurchase.lifetime_value.models._optimize import FitError

    def _never(cls, *args, **kwargs):
        raise FitError("optimiser: ABNORMAL: the line search failed")

    monkeypatch.setattr(lv.ParetoNBD, "estimate", classmethod(_never))
    settings = LifetimeValueSettings(calibration_start=CAL_START, calibration_end=CAL_END, holdout_end=HOLDOUT_END,
                                     model="pareto_nbd", bootstrap_draws=0)  # fmt: skip
    res = lv.run_lifetime_value(cdnow, Window.through(HOLDOUT_END), settings)
    assert res.reasons == ["requested_failed"] and res.model in ("bgnbd", "mbgnbd") and res.validated
    assert f"lifetime_value.model is Pareto/NBD, but it could not be fitted; {lv.model_label(res.model)}" in (
        text.describe_status(res)
    )
    assert lv.lifetime_value_metrics(res)["selected_model"] == res.model
    assert res.full_model("pareto_nbd") is None  # not fitted


def test_clv_by_segment_and_cac_from_the_inputs(cdnow):
    """The run reads the segments (segment_export) and the customers source it is given."""
    ids = cdnow["customer_id"].drop_duplicates()
    segments = pd.DataFrame(
        {"customer_id": ids, "segment": "x", "segment_label": np.where(ids.str[-1] < "5", "A", "B")}
    )
    customers = pd.DataFrame({"customer_id": ids, "acquisition_channel": "search", "acquisition_cost": 10.0})
    settings = LifetimeValueSettings(calibration_start=CAL_START, calibration_end=CAL_END, holdout_end=HOLDOUT_END,
                                     bootstrap_draws=0)  # fmt: skip
    res = lv.run_lifetime_value(cdnow, Window.through(HOLDOUT_END), settings, customers=customers, segments=segments)
    by_segment = res.groups["segment_label"]
    assert set(by_segment["segment_label"]) == {"A", "B"} and by_segment["customers"].sum() == 2357
    pd.testing.assert_frame_equal(by_segment, lv.clv_by_group(res.clv, "segment_label", segments))
    assert text.describe_group(res, "segment_label").startswith("2 segment groups.")
    assert list(res.cac["acquisition_channel"]) == ["search"] and "paid channels reach" in text.describe_cac(res)


@pytest.mark.render
def test_notebook_renders_for_a_tiny_client_and_states_why(tmp_path, helpers):
    """The lifetime-value notebook of a 20-customer, 2-month client renders and says why there is no CLV."""
    import html as html_lib
    import shutil

    from repurchase.publish.render import render_reports

    root = Path(__file__).resolve().parents[2]
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for name in ("01_cleaning.ipynb", "04_lifetime_value.ipynb"):
        shutil.copy(root / "notebooks" / name, nbs / name)
    helpers.tiny_client().to_csv(tmp_path / "tx.csv", index=False)
    params = tmp_path / "tiny.yaml"
    params.write_text(
        f"""client: tiny
title: Tiny client
language: en
currency: CNY
period: 2026-10
sources:
  transactions:
    path: {tmp_path / "tx.csv"}
    columns: {{customer_id: customer_id, order_id: order_id, order_date: order_date, amount: amount}}
""",
        encoding="utf-8",
    )
    (outcome,) = render_reports([params], None, out=tmp_path / "reports", notebooks_dir=nbs)
    assert outcome.ok, outcome.error
    page = html_lib.unescape((outcome.report_dir / "04_lifetime_value.html").read_text(encoding="utf-8"))
    assert "No lifetime value for these data." in page
    assert "Only 4 of 20 customers have bought more than once (10 needed)" in page
    assert "Traceback" not in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page  # no warning
    metrics = json.loads((outcome.report_dir / "metrics.json").read_text(encoding="utf-8"))["lifetime_value"]
    assert metrics["status"] == "no_clv" and metrics["clv_total"] is None
    export = pd.read_csv(outcome.report_dir / "exports" / "clv.csv", encoding="utf-8-sig")
    assert len(export) == 20 and export["clv"].isna().all()

"""Holdout validation: comparison and choice, spend checks, the tables behind the validation charts."""

from __future__ import annotations

import numpy as np
import pytest

from repurchase import lifetime_value as lv
from repurchase.core.periods import Window

CAL_START, CAL_END, HOLDOUT_END = "1997-01-01", "1997-09-30", "1998-06-30"


def test_model_comparison_and_selection(cdnow_cal, cdnow_fits):
    table = lv.compare_models(cdnow_cal, cdnow_fits)
    assert list(table["model"]) == ["bgnbd", "pareto_nbd", "mbgnbd", "run_rate", "recency_only"]
    assert (table["holdout_actual"] == cdnow_cal["frequency_holdout"].sum()).all()
    models = table.set_index("model")
    assert models.loc["bgnbd", "aic"] == pytest.approx(8 + 2 * 9582.43, abs=0.01)
    # the probability models beat the naive run rate on customer-level error
    assert models.loc[list(lv.TRANSACTION_MODELS), "mae"].max() < models.loc["run_rate", "mae"]
    choice = lv.select_model(table)
    assert choice.model == models.loc[list(lv.TRANSACTION_MODELS), "mae"].idxmin() == choice.best
    assert "lowest customer-level holdout error" in lv.text.choice_text(choice)
    forced = lv.select_model(table, "bgnbd")
    assert forced.model == "bgnbd" and "set in params" in lv.text.choice_text(forced)


def test_spend_checks_and_plot_data(cdnow_cal, cdnow_spend, cdnow_fits, cdnow, cdnow_result):
    check = lv.spend_independence(cdnow_cal)
    assert not check.warn and abs(check.correlation) < 0.3 and check.n_customers == 946
    correlated = cdnow_cal.assign(monetary_value_cal=np.where(cdnow_cal["frequency_cal"] > 0,
                                                              5 + 3 * cdnow_cal["frequency_cal"], 0.0))  # fmt: skip
    assert lv.spend_independence(correlated).warn
    spend = lv.spend_distribution(cdnow_cal, cdnow_spend)
    observed = spend[spend["source"] == "observed"]
    assert (observed["density"] * observed["bin_width"]).sum() == pytest.approx(0.99, abs=0.011)
    hist = lv.period_transactions(cdnow_cal, cdnow_fits["bgnbd"])
    totals = hist.groupby("source")["customers"].sum()
    assert totals["actual"] == 2357 and totals["BG/NBD"] == pytest.approx(2357)
    cond = lv.holdout_by_frequency(cdnow_cal, cdnow_fits)
    assert set(cond["source"]) == {"actual", "BG/NBD", "Pareto/NBD", "MBG/NBD"}
    split = lv.holdout_split(Window.through(HOLDOUT_END), calibration_start=CAL_START, calibration_end=CAL_END)
    track = lv.tracking_data(cdnow, cdnow_fits["bgnbd"], split)
    # weeks end on the calibration end: calibration weeks hold exactly the calibration repeat purchases
    cal_weeks = track[track["period"] == "calibration"]
    assert len(cal_weeks) == 39 and cal_weeks["actual"].sum() == cdnow_cal["frequency_cal"].sum()
    assert track["actual"].sum() == cdnow_cal["frequency_cal"].sum() + cdnow_cal["frequency_holdout"].sum()
    # the run keeps the tracking of the model it uses; the actual purchases are the same for every model
    assert (cdnow_result.tracking["actual"].to_numpy() == track["actual"].to_numpy()).all()
    assert "1,882 repeat purchases" in lv.text.describe_tracking(cdnow_result)
    matrix = lv.p_alive_matrix(cdnow_fits["bgnbd"], cdnow_cal)
    assert matrix.loc[(matrix["frequency"] == 0) & (matrix["recency"] > 0), "value"].isna().all()

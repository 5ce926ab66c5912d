"""Seaborn/matplotlib charts for the reports.

Every plot function takes ``ax=None`` (a new figure when omitted) and returns
the ``Axes``. One submodule per analysis; each defines ``__all__`` and is
re-exported here, so notebooks call ``plots.plot_...``. Importing this package
changes no global state; notebooks call :func:`use_report_style` explicitly.
"""

from __future__ import annotations

from repurchase.plots.campaigns import plot_campaign_uplift
from repurchase.plots.churn import (
    plot_calibration,
    plot_churn_breakdown,
    plot_churn_flows,
    plot_churn_trend,
    plot_churned_revenue,
    plot_gains,
    plot_importance,
    plot_model_curves,
    plot_survival,
    plot_value_at_risk,
)
from repurchase.plots.cleaning import (
    plot_amount_distribution,
    plot_ledger,
    plot_outcomes,
    plot_weekly_revenue,
)
from repurchase.plots.lifetime_value import (
    plot_buy_again_calibration,
    plot_clv_distribution,
    plot_holdout_by_frequency,
    plot_p_alive_matrix,
    plot_period_transactions,
    plot_spend_fit,
    plot_tracking,
    plot_value_concentration,
)
from repurchase.plots.monitoring import plot_control_charts, plot_forecast
from repurchase.plots.recommendations import plot_hit_rates
from repurchase.plots.repurchase import (
    plot_buyer_mix,
    plot_cohort_heatmap,
    plot_cohort_revenue_curves,
    plot_cycle_by_group,
    plot_first_group_rates,
    plot_gap_distribution,
    plot_gap_ecdf,
    plot_kpi_trend,
    plot_lift_matrix,
    plot_n_day_trend,
    plot_products_by_buyer_type,
    plot_rate_trend,
    plot_refund_rates,
    plot_time_to_second,
    plot_top_pairs,
)
from repurchase.plots.satisfaction import (
    GROUP_COLORS,
    plot_csat_trend,
    plot_distinguishing_terms,
    plot_importance_performance,
    plot_nps_breakdown,
    plot_nps_trend,
    plot_repurchase_by_frequency,
    plot_repurchase_by_group,
    plot_time_to_next_purchase,
)
from repurchase.plots.segments import (
    plot_frequency_tiers,
    plot_member_tiers,
    plot_migration,
    plot_rf_scatter,
    plot_rule_grid,
    plot_segment_sizes,
)
from repurchase.plots.style import (
    ACCENT,
    BAD,
    GOOD,
    NEUTRAL,
    cjk_font_path,
    get_ax,
    register_cjk_font,
    use_report_style,
)

__all__ = [
    "ACCENT",
    "BAD",
    "GOOD",
    "GROUP_COLORS",
    "NEUTRAL",
    "cjk_font_path",
    "get_ax",
    "plot_amount_distribution",
    "plot_buy_again_calibration",
    "plot_buyer_mix",
    "plot_calibration",
    "plot_campaign_uplift",
    "plot_churn_breakdown",
    "plot_churn_flows",
    "plot_churn_trend",
    "plot_churned_revenue",
    "plot_clv_distribution",
    "plot_cohort_heatmap",
    "plot_cohort_revenue_curves",
    "plot_control_charts",
    "plot_csat_trend",
    "plot_cycle_by_group",
    "plot_distinguishing_terms",
    "plot_first_group_rates",
    "plot_forecast",
    "plot_frequency_tiers",
    "plot_gains",
    "plot_gap_distribution",
    "plot_gap_ecdf",
    "plot_hit_rates",
    "plot_holdout_by_frequency",
    "plot_importance",
    "plot_importance_performance",
    "plot_kpi_trend",
    "plot_ledger",
    "plot_lift_matrix",
    "plot_member_tiers",
    "plot_migration",
    "plot_model_curves",
    "plot_n_day_trend",
    "plot_nps_breakdown",
    "plot_nps_trend",
    "plot_outcomes",
    "plot_p_alive_matrix",
    "plot_period_transactions",
    "plot_products_by_buyer_type",
    "plot_rate_trend",
    "plot_refund_rates",
    "plot_repurchase_by_frequency",
    "plot_repurchase_by_group",
    "plot_rf_scatter",
    "plot_rule_grid",
    "plot_segment_sizes",
    "plot_spend_fit",
    "plot_survival",
    "plot_time_to_next_purchase",
    "plot_time_to_second",
    "plot_top_pairs",
    "plot_tracking",
    "plot_value_at_risk",
    "plot_value_concentration",
    "plot_weekly_revenue",
    "register_cjk_font",
    "use_report_style",
]

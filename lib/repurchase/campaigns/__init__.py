"""Campaign tests: did the coupon, the newsletter or the perk make customers buy again?

Where each part lives:

* :mod:`~repurchase.campaigns.outcomes`: each assigned customer's outcome window
  (repurchase, purchases, revenue within H days of the assignment) and
  pre-period spend, and the assignments that cannot be measured;
* :mod:`~repurchase.campaigns.estimates`: the statistics, vectorized (Wilson and
  Newcombe intervals, the two-proportion test, Welch, CUPED, the sample-ratio
  check, the minimum detectable effect);
* :mod:`~repurchase.campaigns.pipeline`: :func:`run_campaigns`, the
  ``campaigns`` stage and its metrics;
* :mod:`~repurchase.campaigns.text`: the verdict sentences and the table specs.
"""

from __future__ import annotations

from repurchase.campaigns import text
from repurchase.campaigns.estimates import (
    Difference,
    cuped,
    cuped_theta,
    mde_proportion,
    newcombe_interval,
    srm_test,
    two_proportion_p_value,
    welch_difference,
    welch_from_moments,
    wilson_interval,
)
from repurchase.campaigns.outcomes import assignment_outcomes, usable_assignments
from repurchase.campaigns.pipeline import (
    STAGE,
    SUMMARY_COLUMNS,
    VERDICTS,
    CampaignsResult,
    campaign_effects,
    campaigns_metrics,
    run_campaigns,
)

__all__ = [
    "STAGE",
    "SUMMARY_COLUMNS",
    "VERDICTS",
    "CampaignsResult",
    "Difference",
    "assignment_outcomes",
    "campaign_effects",
    "campaigns_metrics",
    "cuped",
    "cuped_theta",
    "mde_proportion",
    "newcombe_interval",
    "run_campaigns",
    "srm_test",
    "text",
    "two_proportion_p_value",
    "usable_assignments",
    "welch_difference",
    "welch_from_moments",
    "wilson_interval",
]

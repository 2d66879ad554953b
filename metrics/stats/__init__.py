"""Statistics engine: intervals, benchmark comparisons, ranks and bands, trends, funnels, disclosure.

Plain vectorised numpy/scipy/pandas, no UI imports, so the dashboard, CLI, notebooks and tests all
draw the same "significantly worse than England" flags. The methods are those of the OHID
Fingertips technical guidance and PHEindicatormethods (intervals, comparisons, trends, funnels) and
of DfE's LAIT (ranks, quartile bands, statistical neighbours); each function's docstring names its
source. Functions accept scalars or array-likes and return floats or numpy arrays, NaN where a
statistic is undefined; polarity and value type may be given as enums or plain strings.

One feature per module: ``intervals`` (CIs, Newcombe gap), ``compare`` (benchmark labels),
``ranking`` (rank, quartile band), ``trend`` (recent trend), ``funnel`` (control limits),
``disclosure`` (suppression), ``aggregate`` (parent areas, neighbour average), ``weak`` (weak-area
score) and ``enums``.
"""

from .aggregate import (
    Aggregate,
    aggregate,
    aggregate_frame,
    group_means,
    interval_for,
    neighbour_average,
)
from .compare import compare_to_benchmark, compare_to_benchmark_two_level, interval_at_level
from .disclosure import (
    Relations,
    apply_suppression,
    complementary_suppression,
    protect_by_recovery_check,
    recoverable_cells,
    secondary_suppression,
    suppress,
)
from .enums import Comparison, Polarity, TwoLevelComparison, ValueType, as_polarity, as_value_type
from .funnel import (
    FUNNEL_LABELS,
    funnel_limits,
    funnel_significance,
    poisson_funnel,
    wilson_funnel_limit,
)
from .intervals import (
    ClientGroupGap,
    byars_lower,
    byars_upper,
    client_group_gap,
    exact_poisson_lower,
    exact_poisson_upper,
    mean_ci,
    mean_ci_from_summary,
    proportion_ci,
    proportion_difference_ci,
    rate_ci,
    wilson_limits,
)
from .ranking import QUARTILE_BANDS, national_rank, quartile_band, quartile_cut_points
from .trend import TREND_CHI2_THRESHOLD, Trend, TrendSeries, recent_trend, recent_trends
from .weak import WeakFlags, weak_flags

__all__ = [
    "FUNNEL_LABELS",
    "QUARTILE_BANDS",
    "TREND_CHI2_THRESHOLD",
    "Aggregate",
    "ClientGroupGap",
    "Comparison",
    "Polarity",
    "Trend",
    "TrendSeries",
    "TwoLevelComparison",
    "ValueType",
    "aggregate",
    "aggregate_frame",
    "apply_suppression",
    "as_polarity",
    "as_value_type",
    "byars_lower",
    "byars_upper",
    "client_group_gap",
    "compare_to_benchmark",
    "compare_to_benchmark_two_level",
    "interval_at_level",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "funnel_limits",
    "funnel_significance",
    "interval_for",
    "mean_ci",
    "mean_ci_from_summary",
    "national_rank",
    "group_means",
    "neighbour_average",
    "poisson_funnel",
    "proportion_ci",
    "proportion_difference_ci",
    "quartile_band",
    "quartile_cut_points",
    "rate_ci",
    "recent_trend",
    "recent_trends",
    "secondary_suppression",
    "complementary_suppression",
    "protect_by_recovery_check",
    "recoverable_cells",
    "Relations",
    "suppress",
    "WeakFlags",
    "weak_flags",
    "wilson_funnel_limit",
    "wilson_limits",
]

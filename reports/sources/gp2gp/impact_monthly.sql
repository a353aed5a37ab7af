-- One row per metric month: paper fallbacks with their estimated staff hours and cost, and technical failures
-- against the baseline period, with every assumption as a column.
select
  metric_month,
  cutoff_days,
  is_final,
  transfer_count,
  integrated_on_time_count,
  paper_fallback_count,
  paper_fallback_percent,
  technical_failure_count,
  technical_failure_percent,
  is_baseline_month,
  baseline_period,
  baseline_start_month,
  baseline_end_month,
  baseline_technical_failure_percent,
  expected_technical_failures,
  technical_failures_vs_baseline,
  hours_per_paper_record,
  cost_per_hour_gbp,
  estimated_staff_hours,
  estimated_staff_cost_gbp
from gp2gp_marts.impact_monthly

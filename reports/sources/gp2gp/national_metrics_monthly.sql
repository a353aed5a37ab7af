-- One row per metric month: the national figures (every transfer requested in the month at the 14-day cutoff).
select
  metric_month,
  transfer_count,
  integrated_on_time_count,
  integrated_on_time_percent,
  paper_fallback_count,
  paper_fallback_percent,
  technical_failure_count,
  technical_failure_percent,
  process_failure_integrated_late_count,
  process_failure_integrated_late_percent,
  process_failure_transferred_not_integrated_count,
  process_failure_transferred_not_integrated_percent,
  unclassified_failure_count,
  unclassified_failure_percent,
  provisional_count,
  is_final
from gp2gp_marts.national_metrics_monthly

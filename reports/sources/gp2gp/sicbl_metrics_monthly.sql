-- One row per Sub ICB Location and metric month: the practice metrics of the public site rolled up over the
-- practices of the area, with the counts behind them.
select
  sicbl_ods_code,
  metric_month,
  sicbl_name,
  icb_ods_code,
  icb_name,
  practice_count,
  requesting_practice_count,
  requested_count,
  received_count,
  received_percent_of_requested,
  integrated_within_3_days_count,
  integrated_within_3_days_percent_of_received,
  integrated_within_8_days_count,
  integrated_within_8_days_percent_of_received,
  not_integrated_within_8_days_total,
  not_integrated_within_8_days_percent_of_received,
  failures_total_count,
  failures_total_percent_of_requested,
  integrated_on_time_count,
  sla_duration_median_seconds,
  sla_duration_p90_seconds,
  integrated_on_time_percent,
  paper_fallback_percent,
  is_final
from gp2gp_marts.sicbl_metrics_monthly

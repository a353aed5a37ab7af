-- One row per sending (previous) practice and metric month: the transfers requested from it and how they ended.
select
  sending_practice_ods_code,
  metric_month,
  sending_practice_name,
  sending_practice_sicbl_ods_code,
  requested_count,
  integrated_on_time_count,
  integrated_on_time_percent,
  paper_fallback_count,
  paper_fallback_percent,
  technical_failure_count,
  technical_failure_percent,
  process_failure_count,
  process_failure_percent,
  unclassified_failure_count,
  unclassified_failure_percent,
  is_final
from gp2gp_marts.sending_practice_metrics_monthly

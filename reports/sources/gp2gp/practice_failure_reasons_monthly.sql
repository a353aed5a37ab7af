-- One row per requesting practice, metric month, status and failure reason of its transfers not integrated on time.
select
  practice_ods_code,
  metric_month,
  sicbl_ods_code,
  status,
  failure_reason,
  transfer_count,
  requested_count,
  percent_of_requested,
  is_final
from gp2gp_marts.practice_failure_reasons_monthly

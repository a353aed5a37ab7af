-- One row per requesting practice, metric month, place seen and GP2GP error code, with the code's meaning.
select
  practice_ods_code,
  metric_month,
  sicbl_ods_code,
  error_location,
  error_code,
  short_name,
  description,
  occurrence_count,
  transfer_count,
  technical_failure_count,
  unclassified_failure_count,
  is_final
from gp2gp_marts.practice_error_codes_monthly

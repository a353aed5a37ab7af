-- One row per cutoff, request month, error location and error code: how often each GP2GP error code was seen, with
-- its meaning from the error code seed.
select
  cutoff_days,
  request_month,
  error_location,
  error_code,
  short_name,
  description,
  is_known_code,
  occurrence_count,
  transfer_count,
  technical_failure_count,
  unclassified_failure_count
from gp2gp_marts.error_code_summary

-- One row per cutoff and hour of the request: transfers, technical and unclassified failures (the
-- TRANSFER_DETAILS_BY_HOUR report).
select
  cutoff_days,
  request_hour,
  date_time,
  transfer_count,
  technical_failure_count,
  unclassified_failure_count,
  provisional_transfer_count
from gp2gp_marts.transfers_by_hour

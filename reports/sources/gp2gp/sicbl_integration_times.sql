-- One row per cutoff, request month and requesting practice: the SUB_ICB_LOCATION_LEVEL_INTEGRATION_TIMES report's
-- integration bands, with the late versus never split.
select
  cutoff_days,
  request_month,
  requesting_practice_ods_code,
  requesting_practice_name,
  requesting_practice_sicbl_ods_code,
  requesting_practice_sicbl_name,
  received_count,
  integrated_within_3_days_count,
  integrated_within_3_days_percent,
  integrated_within_8_days_count,
  integrated_within_8_days_percent,
  not_integrated_within_8_days_count,
  not_integrated_within_8_days_percent,
  integrated_late_count,
  integrated_late_percent,
  not_integrated_within_14_days_count,
  not_integrated_within_14_days_percent,
  provisional_transfer_count
from gp2gp_marts.sicbl_integration_times

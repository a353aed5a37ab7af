-- One row per request month, scope (a requesting practice, a Sub ICB Location or England) and journey stage, at the
-- metrics cutoff: the transfers that reached the stage and stopped there, the median time in it and the share over its
-- service level. Aggregates only; the practice and Sub ICB Location pages read the latest final month.
select
  metric_month,
  cutoff_days,
  is_final,
  scope_kind,
  scope_id,
  stage_order,
  stage,
  transfers_reached,
  transfers_ended,
  timed_transfer_count,
  time_in_stage_median_seconds,
  service_level_seconds,
  exceeded_service_level_count,
  exceeded_service_level_percent
from gp2gp_marts.organisation_journey_stages_monthly

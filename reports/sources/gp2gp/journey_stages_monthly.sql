-- One row per request month, cutoff, supplier pathway ('All' for every pathway together) and journey stage: how
-- many transfers reached the stage and ended there (by outcome), the time spent in it and the share over its service
-- level.
select
  metric_month,
  cutoff_days,
  requesting_supplier,
  sending_supplier,
  stage_order,
  stage,
  transfers_reached,
  large_messages_reached,
  transfers_ended,
  ended_integrated_on_time,
  ended_process_failure,
  ended_technical_failure,
  ended_unclassified_failure,
  timed_transfer_count,
  time_in_stage_median_seconds,
  time_in_stage_p90_seconds,
  time_in_stage_p99_seconds,
  service_level_seconds,
  exceeded_service_level_count,
  exceeded_service_level_percent,
  provisional_transfer_count
from gp2gp_marts.journey_stages_monthly

-- One row per cutoff (0 and 2), request day and supplier pathway ('All' / 'All' for every pathway together): the
-- daily technical failure rate, its baseline and the alert flags.
select
  cutoff_days,
  request_date,
  requesting_supplier,
  sending_supplier,
  transfer_count,
  technical_failure_count,
  provisional_transfer_count,
  technical_failure_percent,
  baseline_percent,
  baseline_day_count,
  is_final,
  alert_threshold_percent,
  alert_baseline_margin_points,
  alert_min_daily_transfers,
  is_above_threshold,
  is_above_baseline,
  is_alert
from gp2gp_marts.technical_failure_rate_daily

-- One row per day, check and reason: the Spine data the figures could not use as it came.
select
  day,
  check_name,
  reason,
  item_count
from gp2gp_marts.data_quality_daily

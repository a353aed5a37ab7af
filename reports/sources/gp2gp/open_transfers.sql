-- The open transfers now, counted: one row per requesting practice, stage, whether it is ongoing (within its 14-day
-- window), the flag its stage raises (with level, who acts and whether it was raised in the last 24 hours) and age band. Ongoing transfers are the live list;
-- open transfers past their window are outcomes, counted here only so that the page can say how many left the list.
-- (transfers_live measures ages and flags at the latest message loaded.)
select
  requesting_practice_ods_code as practice_ods_code,
  requesting_practice_name as practice_name,
  requesting_practice_sicbl_ods_code as sicbl_ods_code,
  requesting_practice_sicbl_name as sicbl_name,
  requesting_practice_icb_ods_code as icb_ods_code,
  requesting_practice_icb_name as icb_name,
  stage,
  is_live,
  needs_action,
  attention_flag,
  attention_level,
  who_acts,
  coalesce(hours_flagged < 24, false) as flagged_in_last_24_hours,
  case
    when not is_live then 6
    when age_hours < 24 then 1
    when age_hours < 72 then 2
    when age_hours < 144 then 3
    when age_hours < 192 then 4
    else 5
  end as age_band_order,
  case
    when not is_live then 'Past its 14-day window'
    when age_hours < 24 then 'Under 1 day'
    when age_hours < 72 then '1 to 3 days'
    when age_hours < 144 then '3 to 6 days'
    when age_hours < 192 then '6 to 8 days'
    else '8 to 14 days'
  end as age_band,
  count(*) as open_transfer_count,
  max(age_hours) as oldest_age_hours,
  min(hours_left) as least_hours_left
from gp2gp_marts.transfers_live
where is_open
group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15

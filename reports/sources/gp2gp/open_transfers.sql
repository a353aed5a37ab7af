-- One row per requesting practice, stage, service levels broken and age band: the transfers open now, counted
-- (transfers_live measures ages and service levels at the latest message loaded).
select
  requesting_practice_ods_code as practice_ods_code,
  requesting_practice_name as practice_name,
  requesting_practice_sicbl_ods_code as sicbl_ods_code,
  requesting_practice_sicbl_name as sicbl_name,
  requesting_practice_icb_ods_code as icb_ods_code,
  requesting_practice_icb_name as icb_name,
  stage,
  breaks_core_ehr_sent_sla,
  breaks_integration_sla,
  breaks_activity_sla,
  case
    when age_hours < 24 then 1
    when age_hours < 72 then 2
    when age_hours < 192 then 3
    when age_hours < 336 then 4
    else 5
  end as age_band_order,
  case
    when age_hours < 24 then 'Under 1 day'
    when age_hours < 72 then '1 to 3 days'
    when age_hours < 192 then '3 to 8 days'
    when age_hours < 336 then '8 to 14 days'
    else '14 days or more'
  end as age_band,
  count(*) as open_transfer_count,
  max(age_hours) as oldest_age_hours
from gp2gp_marts.transfers_live
where is_open
group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12

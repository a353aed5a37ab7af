-- One row per open transfer requested in the last 14 days (before the latest message loaded) that has broken a
-- service level: the transfers support teams can still chase.
select
  conversation_id,
  date_requested,
  stage,
  age_hours,
  hours_since_last_activity,
  breaks_core_ehr_sent_sla,
  breaks_integration_sla,
  breaks_activity_sla,
  requesting_practice_ods_code as practice_ods_code,
  requesting_practice_name as practice_name,
  requesting_practice_sicbl_ods_code as sicbl_ods_code,
  requesting_practice_icb_ods_code as icb_ods_code,
  sending_practice_ods_code,
  sending_practice_name,
  requesting_supplier,
  sending_supplier
from gp2gp_marts.transfers_live
where is_open
  and age_hours < 336
  and (breaks_core_ehr_sent_sla or breaks_integration_sla or breaks_activity_sla)

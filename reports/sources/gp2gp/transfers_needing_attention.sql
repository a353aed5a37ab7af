-- One row per ongoing transfer that needs action now (transfers_live.needs_action: open, within its 14-day window and
-- flagged by its stage), most urgent first (urgency_rank: breaches before warnings, then the least time left, then
-- the oldest request), with who should act and why. Internal only: it names conversation IDs.
select
  urgency_rank,
  conversation_id,
  date_requested,
  stage,
  attention_flag,
  attention_level,
  who_acts,
  action_reason,
  flagged_at,
  hours_flagged,
  action_due_at,
  hours_left,
  age_hours,
  hours_since_last_activity,
  hours_since_core_ehr,
  requesting_practice_ods_code as practice_ods_code,
  requesting_practice_name as practice_name,
  requesting_practice_sicbl_ods_code as sicbl_ods_code,
  requesting_practice_icb_ods_code as icb_ods_code,
  sending_practice_ods_code,
  sending_practice_name,
  requesting_supplier,
  sending_supplier
from gp2gp_marts.transfers_live
where needs_action
order by urgency_rank

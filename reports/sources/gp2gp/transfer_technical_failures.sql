-- INTERNAL ONLY (transfer level: conversation IDs and ASIDs; left out of public editions). One row per cutoff and
-- transfer whose status is Technical or Unclassified failure: the TRANSFER_LEVEL_TECHNICAL_FAILURES report.
select
  cutoff_days,
  conversation_id,
  date_requested,
  request_date,
  status,
  failure_reason,
  sending_practice_asid,
  sending_supplier,
  sending_practice_ods_code,
  sending_practice_name,
  sending_practice_sicbl_ods_code,
  requesting_practice_asid,
  requesting_supplier,
  requesting_practice_ods_code,
  requesting_practice_name,
  requesting_practice_sicbl_ods_code,
  unique_final_errors,
  unique_sender_errors,
  unique_intermediate_errors,
  is_final
from gp2gp_marts.technical_failures

-- One row per cutoff, request day, supplier pathway (requesting × sending supplier), status, failure reason and
-- unique error lists: the TRANSFER_OUTCOMES_PER_SUPPLIER_PATHWAY report's rows, kept by day so that pages can pick
-- any month.
select
  cutoff_days,
  request_date,
  requesting_supplier,
  sending_supplier,
  status,
  failure_reason,
  unique_final_errors,
  unique_sender_errors,
  unique_intermediate_errors,
  transfer_count,
  provisional_transfer_count
from gp2gp_marts.supplier_pathway_outcomes

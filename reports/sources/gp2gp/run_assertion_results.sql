-- One row per assertion of each of the last runs of `gp2gp run`, as the runner records them (failing rows
-- themselves are left out: they can hold transfer-level identifiers).
select
  run_id,
  run_started_at,
  run_finished_at,
  assertion_dataset,
  assertion_name,
  checked_table,
  status,
  failing_rows,
  error_message,
  seconds
from gp2gp_marts.run_assertion_results

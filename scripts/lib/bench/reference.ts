/**
 * The reference every pipeline and reports benchmark is measured against, timed on the same warehouse in the same
 * run: one ordered window pass over the staged messages (row number by conversation, in message order). Absolute
 * times differ about twice between machines of the same kind; a phase's ratio to this pass does not.
 */
import type { Datasets } from "../../../includes/config";
import type { Warehouse } from "../duckdb";

export function referenceSql(datasets: Pick<Datasets, "staged">): string {
  return `select max(position) from (
  select row_number() over (partition by conversation_id order by message_at, source_file, source_row) as position
  from "${datasets.staged}".stg_spine_messages
)`;
}

/** Seconds of one reference pass, after a first pass that warms the cache (the reference is the pass, not the first read from disk). */
export async function timeReference(warehouse: Warehouse, datasets: Pick<Datasets, "staged">): Promise<number> {
  const sql = referenceSql(datasets);
  await warehouse.rows(sql);
  const started = process.hrtime.bigint();
  await warehouse.rows(sql);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

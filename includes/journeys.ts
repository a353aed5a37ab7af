/**
 * The journey of a transfer through the GP2GP stages, as the classification of one cutoff window sees its messages:
 * the stage order, the stage each transfer stopped at, who it waits on, the time spent in each stage and the service
 * level each stage is measured against. Declared once here; transfer_journeys and journey_stages_monthly render it
 * into SQL, and tests/sql/journeys.test.ts checks it.
 *
 * A stage counts as reached when it, or any later stage, was reached: the log can miss a message of an earlier stage
 * (a core EHR integrated without a logged request acknowledgement is still integrated, spec §5.2), and a standard
 * (not large) message passes through stage 4 with no fragment to send. So each stage is reached by at most as many
 * transfers as the stage before it, and the transfers that reached a stage are those that ended there plus those
 * that reached the next.
 */
import { roundedSeconds } from "./classification";
import { SLA } from "./constants";
import { sql } from "./engine";

/** A stage of the journey, in order (stage_order 1 to 5). */
export interface JourneyStage {
  order: number;
  /** journey_stages_monthly.stage. */
  name: string;
  /** SQL over transfer_journeys: TRUE when the stage's own event is in the window. */
  event: string;
  /**
   * Column of transfer_journeys holding the seconds spent in the stage (from its event to the event that ends it:
   * the next stage's, or for the fragments the last fragment's acknowledgement), NULL for the last stage.
   */
  timeColumn: string | null;
  /** The service level of the time spent in the stage, in seconds; NULL when none applies. */
  serviceLevelSeconds: number | null;
  /** Why that service level (for the docs and the data dictionary). */
  serviceLevelReason: string;
}

export const STAGES: readonly JourneyStage[] = [
  {
    order: 1,
    name: "Requested",
    event: "true",
    timeColumn: "request_to_acknowledgement_seconds",
    serviceLevelSeconds: SLA.NO_ACTIVITY_SECONDS,
    serviceLevelReason: "24 hours: the live view's 'no activity for 24 hours' breach for a transfer awaiting the request's acknowledgement (a system step, answered in seconds when it works).",
  },
  {
    order: 2,
    name: "Request acknowledged",
    event: "request_acknowledged_at is not null",
    timeColumn: "acknowledgement_to_core_ehr_seconds",
    serviceLevelSeconds: SLA.CORE_EHR_SENT_SECONDS,
    serviceLevelReason: "20 minutes: the live view's 'core record not sent within 20 minutes' (96.1 % of core EHRs are sent within 45 minutes of the request, median 15 s).",
  },
  {
    order: 3,
    name: "Core EHR sent",
    event: "core_ehr_sent_at is not null",
    timeColumn: "core_ehr_to_integration_seconds",
    serviceLevelSeconds: SLA.INTEGRATION_ON_TIME_SECONDS,
    serviceLevelReason: "8 days: the integration rule of spec §5.3, on the SLA clock from the core EHR to its decisive acknowledgement (Decision 8); for a large message this time includes its fragments (stage 4).",
  },
  {
    order: 4,
    name: "Fragments sent",
    event: "copc_fragments_sent > 0",
    timeColumn: "copc_fragments_seconds",
    serviceLevelSeconds: SLA.NO_ACTIVITY_SECONDS,
    serviceLevelReason: "24 hours, from the first fragment sent to the last one's acknowledgement: the live view's 'no activity for 24 hours' breach for a large message awaiting its fragments or their acknowledgements (a system step).",
  },
  {
    order: 5,
    name: "Core EHR acknowledged",
    event: "core_ehr_acknowledged_at is not null",
    timeColumn: null,
    serviceLevelSeconds: null,
    serviceLevelReason: "None: the last stage; the transfer has ended.",
  },
];

/** Who a transfer waits on (transfer_journeys.waiting_on). */
export const WAITING_ON = {
  REQUESTING_PRACTICE: "requesting practice",
  SENDING_PRACTICE: "sending practice",
  NONE: "none",
} as const;

/** SQL over transfer_journeys' stage times: the last stage reached (1 to 5). */
export function stoppedAtStage(): string {
  const later = [...STAGES].reverse().filter((s) => s.order > 1);
  return `case ${later.map((s) => `when ${s.event} then ${s.order}`).join(" ")} else 1 end`;
}

/**
 * SQL: who the transfer waits on, from its stopped_at_stage (`stage`) and two predicates of transfer_outcomes:
 * - none: the core EHR was acknowledged (integrated, suppressed or rejected: stage 5), or the sending side refused the
 *   request with a fatal sender error (§5.4: nothing more will come);
 * - sending practice (or its system): the request is not acknowledged or no core EHR was sent (stages 1 and 2), or the
 *   requesting practice asked for the fragments of a large message (a COPC continue) and none came;
 * - requesting practice (or its system): the core EHR (and any fragments) sent, no decisive acknowledgement yet.
 */
export function waitingOn(stage: string, isMissingCopc: string, fatalSenderError: string): string {
  return (
    `case when ${stage} = 5 or ${fatalSenderError} then '${WAITING_ON.NONE}' ` +
    `when ${stage} <= 2 or (${stage} = 3 and ${isMissingCopc}) then '${WAITING_ON.SENDING_PRACTICE}' ` +
    `else '${WAITING_ON.REQUESTING_PRACTICE}' end`
  );
}

/**
 * Whole seconds from `earlier` to `later` (TIMESTAMPs), rounded half to even and never negative, as sla_duration is
 * (classification.roundedSeconds); NULL when either is NULL.
 */
export function secondsBetween(later: string, earlier: string): string {
  return `case when ${later} is not null and ${earlier} is not null then ${roundedSeconds(sql.timestampDiffMicros(later, earlier))} end`;
}

/** A relation with one row per stage: stage_order, stage, service_level_seconds. */
export function stagesRelation(): string {
  return `(${STAGES.map(
    (s, i) =>
      `select ${s.order}${i === 0 ? " as stage_order" : ""}, '${s.name}'${i === 0 ? " as stage" : ""}, ` +
      `${s.serviceLevelSeconds === null ? `cast(null as ${sql.type("INT64")})` : s.serviceLevelSeconds}${i === 0 ? " as service_level_seconds" : ""}`,
  ).join(" union all ")})`;
}

/** SQL: the seconds spent in the stage `stageOrder` (a column) of a transfer_journeys row; NULL for the last stage. */
export function timeInStage(stageOrder: string): string {
  return `case ${stageOrder} ${STAGES.filter((s) => s.timeColumn).map((s) => `when ${s.order} then ${s.timeColumn}`).join(" ")} end`;
}

/** Percentiles kept by journey_stages_monthly: column suffix → percentile. */
export const PERCENTILES = { median: 50, p90: 90, p99: 99 } as const;

/** The label of the all-pathways rows of journey_stages_monthly (both supplier columns). */
export const ALL_SUPPLIERS = "All";

/**
 * The scopes of organisation_journey_stages_monthly (scope_kind), for the practice and Sub ICB Location pages: the
 * requesting practice (the practice pages' side of a transfer), its Sub ICB Location (as practice_metrics_monthly
 * attributes the practice) and England (every transfer, for comparison). scope_id is the ODS code, or ENGLAND_ID.
 */
export const ORGANISATION_SCOPES = {
  PRACTICE: "requesting practice",
  SICBL: "Sub ICB Location",
  ENGLAND: "England",
} as const;

/** scope_id of the England rows of organisation_journey_stages_monthly. */
export const ENGLAND_ID = "England";

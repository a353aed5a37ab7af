/**
 * transfers_live (Decision 5) as SQL scenario tests on DuckDB: every transfer classified on all its messages so far
 * (no cutoff), with its stage, age and broken service levels measured at the data watermark (the latest message
 * loaded), here 2024-03-20T12:00:00.000Z, and, while it is ongoing, the flag its stage raises, who acts, why and its
 * place in the urgency order (includes/live.ts).
 *
 * - Ongoing (is_live): open and the watermark at or before window_ends_at, 14 days (metrics_cutoff_days) after the
 *   first message; past it the transfer is an outcome and leaves the live list.
 * - Flags follow the stage: "No activity for 24 hours" (breach) only while waiting on a system or the sending side
 *   (request acknowledgement, core EHR, fragments); "Core record not sent within 20 minutes" (warning) while the
 *   request acknowledgement or core EHR is outstanding; awaiting integration: "Integration due by day 8" (warning)
 *   from 6 days after the core EHR, "Not integrated within 8 days" (breach) after 8 days.
 * - Urgency: breaches, then warnings; the least time left first (to the breach for a warning, to the end of the window
 *   for a breach); then the oldest request.
 *
 * Service levels (includes/constants.ts SLA): core EHR sent within 20 minutes of the request; integrated within 8 days
 * of the core EHR (the SLA clock of Decision 8); a transfer waiting on a system or the sending side shows activity at
 * least every 24 hours. One conversation per case; the requesting supplier is EMIS, the sending supplier TPP.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import type { Row, Warehouse } from "../../scripts/lib/duckdb";
import { REPORTS_DIR } from "../../scripts/lib/reports/build";
import { conversationRows, iso, liveRows, Message, pick, transferAt } from "../support/scenarios";
import { insertSpineRows, openTestWarehouse, runGraph } from "../support/warehouse";

const WATERMARK = "2024-03-20 12:00:00.000";

const STAGE = {
  REQUEST_ACK: "Awaiting request acknowledgement",
  CORE_EHR: "Awaiting core EHR",
  FRAGMENTS: "Awaiting large-message fragments or their acknowledgements",
  INTEGRATION: "Awaiting integration",
  CLOSED: "Closed",
} as const;

const FLAG = {
  NO_ACTIVITY: "No activity for 24 hours",
  CORE_EHR_LATE: "Core record not sent within 20 minutes",
  INTEGRATION_OVERDUE: "Not integrated within 8 days",
  INTEGRATION_DUE: "Integration due by day 8",
} as const;

const WHO = {
  REQUESTING_PRACTICE: "Requesting practice",
  SENDING_PRACTICE: "Sending practice",
  SUPPLIER: "Supplier",
  SERVICE_DESK: "Service desk",
} as const;

interface Live {
  stage: string;
  is_open: boolean;
  is_live: boolean;
  window_ends_at: string;
  status: string;
  failure_reason: string | null;
  sla_duration: number | null;
  date_requested: string;
  first_core_ehr_at: string | null;
  date_completed: string | null;
  last_activity_at: string;
  data_watermark_at: string;
  age_hours: number;
  hours_since_last_activity: number;
  hours_since_core_ehr: number | null;
  breaks_core_ehr_sent_sla: boolean;
  breaks_integration_sla: boolean;
  breaks_activity_sla: boolean;
  needs_action: boolean;
  attention_flag: string | null;
  attention_level: string | null;
  who_acts: string | null;
  flagged_at: string | null;
  hours_flagged: number | null;
  action_due_at: string | null;
  hours_left: number | null;
  sender_error_codes: number[];
  final_error_codes: number[];
  intermediate_error_codes: number[];
  core_ehr_count: number;
  copc_fragment_count: number;
}
const LIVE_COLUMNS = [
  "stage", "is_open", "is_live", "window_ends_at", "status", "failure_reason", "sla_duration", "date_requested", "first_core_ehr_at",
  "date_completed", "last_activity_at", "data_watermark_at", "age_hours", "hours_since_last_activity", "hours_since_core_ehr",
  "breaks_core_ehr_sent_sla", "breaks_integration_sla", "breaks_activity_sla", "needs_action", "attention_flag", "attention_level",
  "who_acts", "flagged_at", "hours_flagged", "action_due_at", "hours_left", "sender_error_codes", "final_error_codes", "intermediate_error_codes", "core_ehr_count",
  "copc_fragment_count",
] as const satisfies readonly (keyof Live)[];

/** The flag a case expects, with the sentence saying why (a pattern) and when it escalates or its window ends. */
interface Attention {
  attention_flag: string;
  attention_level: "Breach" | "Warning";
  who_acts: string;
  /** When the flag was raised, UTC "YYYY-MM-DD HH:MM:SS". */
  flaggedAt: string;
  /** When it escalates or its window ends, UTC "YYYY-MM-DD HH:MM:SS". */
  dueAt: string;
  reason: RegExp;
}

type ExpectedLive = Pick<Live, "stage" | "status" | "failure_reason" | "age_hours" | "hours_since_last_activity" | "breaks_core_ehr_sent_sla" | "breaks_integration_sla" | "breaks_activity_sla"> &
  Partial<Live> & { attention?: Attention };

/** Hours between two "YYYY-MM-DD HH:MM:SS" UTC times. */
const hoursBetween = (later: string, earlier: string) => (Date.parse(iso(later)) - Date.parse(iso(earlier))) / 3_600_000;
const age = (time: string) => hoursBetween(WATERMARK, time);
const DAY_MS = 86_400_000;
/** A UTC time moved by some days (fractions allowed), as "YYYY-MM-DD HH:MM:SS.mmm". */
const plusDays = (time: string, days: number) => new Date(Date.parse(iso(time)) + days * DAY_MS).toISOString().replace("T", " ").replace("Z", "");

interface Case {
  id: string;
  title: string;
  messages: Message[];
  expected: ExpectedLive | "no row";
}

/**
 * The expected live row: date_requested is the first message, last activity the last one, the window ends 14 days
 * after the first message, an open transfer is ongoing and a closed one not, and nothing is flagged, unless given.
 */
function expectedRow(c: Case, e: ExpectedLive): Live {
  const times = c.messages.map((m) => m[0]).sort();
  const { attention, ...given } = e;
  const firstCoreEhr = given.first_core_ehr_at ?? null;
  return {
    is_open: e.stage !== STAGE.CLOSED,
    is_live: e.stage !== STAGE.CLOSED,
    window_ends_at: iso(plusDays(times[0]!, 14)),
    sla_duration: null,
    date_requested: iso(times[0]!),
    first_core_ehr_at: null,
    date_completed: null,
    last_activity_at: iso(times[times.length - 1]!),
    data_watermark_at: iso(WATERMARK),
    hours_since_core_ehr: firstCoreEhr === null ? null : (Date.parse(iso(WATERMARK)) - Date.parse(firstCoreEhr)) / 3_600_000,
    needs_action: attention !== undefined,
    attention_flag: attention?.attention_flag ?? null,
    attention_level: attention?.attention_level ?? null,
    who_acts: attention?.who_acts ?? null,
    flagged_at: attention ? iso(attention.flaggedAt) : null,
    hours_flagged: attention ? hoursBetween(WATERMARK, attention.flaggedAt) : null,
    action_due_at: attention ? iso(attention.dueAt) : null,
    hours_left: attention ? hoursBetween(attention.dueAt, WATERMARK) : null,
    sender_error_codes: [],
    final_error_codes: [],
    intermediate_error_codes: [],
    core_ehr_count: 0,
    copc_fragment_count: 0,
    ...given,
  };
}

const notAcknowledged = { status: "Technical failure", failure_reason: "Request not acknowledged" } as const;
const coreExtractNotSent = { status: "Technical failure", failure_reason: "Core extract not sent" } as const;
const notIntegrated = { status: "Process failure", failure_reason: "Transferred, not integrated" } as const;

/** Request at `requested`, positive sender ack a minute later, core EHR at `ehrAt`. */
const ehrSent = (requested: string, ehrAt: string): Message[] => [
  [requested, "REQ", "REQ", "R>S"],
  [plusMinute(requested), "A1", "ACK", "S>R", "REQ"],
  [ehrAt, "E1", "EHR", "S>R"],
];
function plusMinute(time: string): string {
  return new Date(Date.parse(iso(time)) + 60_000).toISOString().replace("T", " ").replace("Z", "");
}

/** Awaiting integration since a core EHR at `ehrAt` (requested 5 minutes before it): the stage's common columns. */
function awaitingIntegration(ehrAt: string, extra: Partial<ExpectedLive> = {}): { messages: Message[]; expected: ExpectedLive } {
  const requested = plusDays(ehrAt, -5 / (24 * 60));
  return {
    messages: ehrSent(requested, ehrAt),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: age(requested), hours_since_last_activity: age(ehrAt),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: hoursBetween(WATERMARK, ehrAt) > 192, breaks_activity_sla: false,
      first_core_ehr_at: iso(ehrAt), core_ehr_count: 1,
      ...extra,
    },
  };
}

/** Flags of awaiting integration: warning from 6 days after the core EHR, due at 8 days; breach after 8 days, due at the window's end. */
const integrationDue = (ehrAt: string): Attention => ({
  attention_flag: FLAG.INTEGRATION_DUE, attention_level: "Warning", who_acts: WHO.REQUESTING_PRACTICE, flaggedAt: plusDays(ehrAt, 6), dueAt: plusDays(ehrAt, 8),
  reason: /^The record arrived 6 or more days ago and is not yet integrated: the requesting practice integrates or rejects it before day 8/,
});
const integrationOverdue = (requested: string, ehrAt: string): Attention => ({
  attention_flag: FLAG.INTEGRATION_OVERDUE, attention_level: "Breach", who_acts: WHO.REQUESTING_PRACTICE, flaggedAt: plusDays(ehrAt, 8), dueAt: plusDays(requested, 14),
  reason: /^The record arrived over 8 days ago and is still not integrated: the requesting practice integrates or rejects it now/,
});

const cases: Case[] = [
  // Decision 5: the request that is the watermark: awaiting its ack, age 0, no service level broken, nothing flagged yet
  {
    id: "LIVE-W", title: "requested at the watermark",
    messages: [[WATERMARK, "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 0, hours_since_last_activity: 0,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
    },
  },
  // No request ack after 1 h: no core EHR 60 min after the request breaks the 20-minute level: a warning for the
  // service desk, which becomes a breach 24 h after the last message
  {
    id: "LIVE-01", title: "awaiting request acknowledgement for an hour: warning",
    messages: [["2024-03-20 11:00:00", "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 1, hours_since_last_activity: 1,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
      attention: {
        attention_flag: FLAG.CORE_EHR_LATE, attention_level: "Warning", who_acts: WHO.SERVICE_DESK, flaggedAt: "2024-03-20 11:20:00", dueAt: "2024-03-21 11:00:00",
        reason: /^The request has not been acknowledged 20 minutes after it was sent/,
      },
    },
  },
  // 15 minutes after the request without a core EHR is still within 20 minutes: no flag
  {
    id: "LIVE-02", title: "awaiting request acknowledgement for 15 minutes: no flag",
    messages: [["2024-03-20 11:45:00", "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 0.25, hours_since_last_activity: 0.25,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
    },
  },
  // Acknowledged, no core EHR, 29.5 h without a message: a breach for the sending practice, due at the window's end
  {
    id: "LIVE-03", title: "awaiting core EHR, quiet for 29.5 hours: breach",
    messages: [
      ["2024-03-19 06:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-19 06:30:00", "A1", "ACK", "S>R", "REQ"],
    ],
    expected: {
      stage: STAGE.CORE_EHR, ...coreExtractNotSent, age_hours: 30, hours_since_last_activity: 29.5,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: true,
      attention: {
        attention_flag: FLAG.NO_ACTIVITY, attention_level: "Breach", who_acts: WHO.SENDING_PRACTICE, flaggedAt: "2024-03-20 06:30:00", dueAt: "2024-04-02 06:00:00",
        reason: /^The sending practice acknowledged the request but has sent no record for over 24 hours: .*its supplier \(TPP\)\.$/,
      },
    },
  },
  // Exactly 24 h without a message is no breach (more than 24 h is): still the 20-minute warning, due now
  {
    id: "LIVE-04", title: "awaiting core EHR, quiet for exactly 24 hours: warning due now",
    messages: [
      ["2024-03-19 11:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-19 12:00:00", "A1", "ACK", "S>R", "REQ"],
    ],
    expected: {
      stage: STAGE.CORE_EHR, ...coreExtractNotSent, age_hours: 25, hours_since_last_activity: 24,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
      attention: {
        attention_flag: FLAG.CORE_EHR_LATE, attention_level: "Warning", who_acts: WHO.SENDING_PRACTICE, flaggedAt: "2024-03-19 11:20:00", dueAt: "2024-03-20 12:00:00",
        reason: /^The sending practice acknowledged the request but has not sent the core record within 20 minutes/,
      },
    },
  },
  // §5.2 4c: a COPC continue without fragments, 3 h old: awaiting large-message fragments, no flag before 24 h quiet
  {
    id: "LIVE-05", title: "awaiting fragments after a COPC continue: no flag",
    messages: [...ehrSent("2024-03-20 09:00:00", "2024-03-20 09:05:00"), ["2024-03-20 09:06:00", "K1", "COPC", "R>S"]],
    expected: {
      stage: STAGE.FRAGMENTS, status: "Technical failure", failure_reason: "COPC(s) not sent", age_hours: 3, hours_since_last_activity: age("2024-03-20 09:06:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 09:05:00"), core_ehr_count: 1,
    },
  },
  // §5.2 4d: a fragment not yet acknowledged, 3 h old: awaiting fragment acknowledgements, no flag
  {
    id: "LIVE-06", title: "awaiting a fragment's acknowledgement: no flag",
    messages: [
      ...ehrSent("2024-03-20 09:00:00", "2024-03-20 09:05:00"),
      ["2024-03-20 09:06:00", "K1", "COPC", "R>S"],
      ["2024-03-20 09:10:00", "F1", "COPC", "S>R"],
    ],
    expected: {
      stage: STAGE.FRAGMENTS, status: "Technical failure", failure_reason: "COPC(s) not acknowledged", age_hours: 3, hours_since_last_activity: age("2024-03-20 09:10:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 09:05:00"), core_ehr_count: 1, copc_fragment_count: 1,
    },
  },
  // Core EHR 19 minutes after the request, not yet acknowledged: awaiting integration, 20-minute level kept
  {
    id: "LIVE-07", title: "core EHR 19 minutes after the request",
    messages: ehrSent("2024-03-20 08:00:00", "2024-03-20 08:19:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 4, hours_since_last_activity: age("2024-03-20 08:19:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:19:00"), core_ehr_count: 1,
    },
  },
  // Core EHR 21 minutes after the request breaks the 20-minute level, but flags follow the stage: awaiting integration
  // raises no flag for it
  {
    id: "LIVE-08", title: "core EHR 21 minutes after the request: level broken, no flag at integration",
    messages: ehrSent("2024-03-20 08:00:00", "2024-03-20 08:21:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 4, hours_since_last_activity: age("2024-03-20 08:21:00"),
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:21:00"), core_ehr_count: 1,
    },
  },
  // Core EHR exactly 20 minutes after the request is within the level
  {
    id: "LIVE-09", title: "core EHR exactly 20 minutes after the request",
    messages: ehrSent("2024-03-20 08:00:00", "2024-03-20 08:20:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 4, hours_since_last_activity: age("2024-03-20 08:20:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:20:00"), core_ehr_count: 1,
    },
  },
  // §5.2 4e: every fragment acknowledged: awaiting integration
  {
    id: "LIVE-10", title: "fragments all acknowledged, awaiting integration",
    messages: [
      ...ehrSent("2024-03-20 09:00:00", "2024-03-20 09:05:00"),
      ["2024-03-20 09:06:00", "K1", "COPC", "R>S"],
      ["2024-03-20 09:10:00", "F1", "COPC", "S>R"],
      ["2024-03-20 09:15:00", "A2", "ACK", "R>S", "F1"],
    ],
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 3, hours_since_last_activity: age("2024-03-20 09:15:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 09:05:00"), core_ehr_count: 1, copc_fragment_count: 1,
    },
  },
  // §4.1 step 8: a duplicate-12 ack decides nothing: still awaiting integration
  {
    id: "LIVE-11", title: "core EHR acknowledged only as a duplicate",
    messages: [...ehrSent("2024-03-20 09:00:00", "2024-03-20 09:05:00"), ["2024-03-20 09:30:00", "A2", "ACK", "R>S", "E1", 12]],
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 3, hours_since_last_activity: 2.5,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 09:05:00"), final_error_codes: [12], core_ehr_count: 1,
    },
  },
  // Decision 8: not integrated 8 days + 1 s after the core EHR: a breach for the requesting practice, still ongoing
  // (its window ends 2024-03-26 11:50); 8 days without a message is no activity breach while awaiting integration
  {
    id: "LIVE-12", title: "awaiting integration 8 days + 1 s after the core EHR: breach",
    messages: ehrSent("2024-03-12 11:50:00", "2024-03-12 11:59:59"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: age("2024-03-12 11:50:00"), hours_since_last_activity: age("2024-03-12 11:59:59"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: true, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-12 11:59:59"), core_ehr_count: 1,
      attention: integrationOverdue("2024-03-12 11:50:00", "2024-03-12 11:59:59"),
    },
  },
  // Decision 8: exactly 8 days since the core EHR is within the integration level: still the warning, due now
  {
    id: "LIVE-13", title: "awaiting integration exactly 8 days after the core EHR: warning due now",
    ...awaitingIntegration("2024-03-12 12:00:00", { attention: integrationDue("2024-03-12 12:00:00") }),
  },
  // Integrated a day after the core EHR: closed, not live; a closed transfer breaks no activity level however old
  {
    id: "LIVE-14", title: "closed after integration on time",
    messages: [...ehrSent("2024-03-10 10:00:00", "2024-03-10 10:05:00"), ["2024-03-11 10:05:00", "A2", "ACK", "R>S", "E1"]],
    expected: {
      stage: STAGE.CLOSED, status: "Integrated on time", failure_reason: null, sla_duration: 86_400, age_hours: 242,
      hours_since_last_activity: age("2024-03-11 10:05:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-10 10:05:00"), date_completed: iso("2024-03-11 10:05:00"), core_ehr_count: 1,
    },
  },
  // §5.2 rule 2: integrated 9 days after the core EHR: closed, late, breaks the integration level, not flagged
  {
    id: "LIVE-15", title: "closed after late integration",
    messages: [...ehrSent("2024-03-10 10:00:00", "2024-03-10 10:05:00"), ["2024-03-19 10:05:00", "A2", "ACK", "R>S", "E1"]],
    expected: {
      stage: STAGE.CLOSED, status: "Process failure", failure_reason: "Integrated late", sla_duration: 777_600, age_hours: 242,
      hours_since_last_activity: age("2024-03-19 10:05:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: true, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-10 10:05:00"), date_completed: iso("2024-03-19 10:05:00"), core_ehr_count: 1,
    },
  },
  // §5.3: integrated exactly 8 days after the core EHR is on time and keeps the integration level
  {
    id: "LIVE-16", title: "closed after integration exactly 8 days on",
    messages: [...ehrSent("2024-03-10 10:00:00", "2024-03-10 10:05:00"), ["2024-03-18 10:05:00", "A2", "ACK", "R>S", "E1"]],
    expected: {
      stage: STAGE.CLOSED, status: "Integrated on time", failure_reason: null, sla_duration: 691_200, age_hours: 242,
      hours_since_last_activity: age("2024-03-18 10:05:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-10 10:05:00"), date_completed: iso("2024-03-18 10:05:00"), core_ehr_count: 1,
    },
  },
  // §5.2 rule 3: the core EHR rejected (28): closed with a final error
  {
    id: "LIVE-17", title: "closed after a final error",
    messages: [...ehrSent("2024-03-20 08:00:00", "2024-03-20 08:05:00"), ["2024-03-20 09:00:00", "A2", "ACK", "R>S", "E1", 28]],
    expected: {
      stage: STAGE.CLOSED, status: "Technical failure", failure_reason: "Final error", sla_duration: 3_300, age_hours: 4, hours_since_last_activity: 3,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:05:00"), date_completed: iso("2024-03-20 09:00:00"), final_error_codes: [28], core_ehr_count: 1,
    },
  },
  // The request refused with a non-fatal error (19) and nothing sent: closed, though 52 h quiet (no activity applies only to open stages)
  {
    id: "LIVE-18", title: "closed: request refused with error 19",
    messages: [
      ["2024-03-18 08:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-18 08:01:00", "A1", "ACK", "S>R", "REQ", 19],
    ],
    expected: {
      stage: STAGE.CLOSED, ...coreExtractNotSent, age_hours: 52, hours_since_last_activity: age("2024-03-18 08:01:00"),
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false, sender_error_codes: [19],
    },
  },
  // §5.2 rule 5: the request refused with fatal error 6: closed
  {
    id: "LIVE-19", title: "closed: request refused with fatal error 6",
    messages: [
      ["2024-03-20 10:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-20 10:01:00", "A1", "ACK", "S>R", "REQ", 6],
    ],
    expected: {
      stage: STAGE.CLOSED, status: "Technical failure", failure_reason: "Contains fatal sender error", age_hours: 2, hours_since_last_activity: age("2024-03-20 10:01:00"),
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false, sender_error_codes: [6],
    },
  },
  // The live view has no cutoff: an integration 20 days after the core EHR is seen (closed, late)
  {
    id: "LIVE-20", title: "integration after 20 days is seen live",
    messages: [...ehrSent("2024-02-28 10:00:00", "2024-02-28 10:05:00"), ["2024-03-19 10:05:00", "A2", "ACK", "R>S", "E1"]],
    expected: {
      stage: STAGE.CLOSED, status: "Process failure", failure_reason: "Integrated late", sla_duration: 20 * 86_400, age_hours: age("2024-02-28 10:00:00"),
      hours_since_last_activity: age("2024-03-19 10:05:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: true, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-02-28 10:05:00"), date_completed: iso("2024-03-19 10:05:00"), core_ehr_count: 1,
    },
  },
  // §4.1 step 5: a conversation that starts with an ack (1 s before the request) is no transfer, live or not
  {
    id: "LIVE-21", title: "discarded conversation has no live row",
    messages: [
      ["2024-03-20 10:00:00", "A1", "ACK", "S>R", "REQ"],
      ["2024-03-20 10:00:01", "REQ", "REQ", "R>S"],
    ],
    expected: "no row",
  },
  // §4.1 step 6, §4.2: a re-sent request moves date_requested to the copy, so the age runs from it (2 h, not 6 h); the
  // window still runs from the first message (the 14-day cutoff's clock)
  {
    id: "LIVE-22", title: "age from the re-sent request, window from the first",
    messages: [
      ["2024-03-20 06:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-20 10:00:00", "REQ", "REQ", "R>S"],
    ],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, date_requested: iso("2024-03-20 10:00:00"), age_hours: 2, hours_since_last_activity: 2,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
      window_ends_at: iso("2024-04-03 06:00:00"),
      attention: {
        attention_flag: FLAG.CORE_EHR_LATE, attention_level: "Warning", who_acts: WHO.SERVICE_DESK, flaggedAt: "2024-03-20 10:20:00", dueAt: "2024-03-21 10:00:00",
        reason: /^The request has not been acknowledged 20 minutes after it was sent/,
      },
    },
  },
  // Awaiting integration on day 5 (5 days 12 h since the core EHR, 5.5 days without a message): no flag, and no
  // activity breach, since the transfer waits on the requesting practice
  {
    id: "LIVE-23", title: "awaiting integration on day 5: no flag, no activity breach",
    ...awaitingIntegration("2024-03-15 00:00:00"),
  },
  // One second short of 6 days since the core EHR: no flag yet
  {
    id: "LIVE-24", title: "awaiting integration 6 days - 1 s after the core EHR: no flag",
    ...awaitingIntegration("2024-03-14 12:00:01"),
  },
  // Exactly 6 days since the core EHR: the warning starts, due at 8 days (48 h left)
  {
    id: "LIVE-25", title: "awaiting integration exactly 6 days after the core EHR: warning",
    ...awaitingIntegration("2024-03-14 12:00:00", { attention: integrationDue("2024-03-14 12:00:00") }),
  },
  // Day 6 (6 days 6 h since the core EHR): warning
  {
    id: "LIVE-26", title: "awaiting integration on day 6: warning",
    ...awaitingIntegration("2024-03-14 06:00:00", { attention: integrationDue("2024-03-14 06:00:00") }),
  },
  // Day 7 (7 days 12 h since the core EHR): warning, 12 h left
  {
    id: "LIVE-27", title: "awaiting integration on day 7: warning",
    ...awaitingIntegration("2024-03-13 00:00:00", { attention: integrationDue("2024-03-13 00:00:00") }),
  },
  // Day 9: past 8 days but within 14 days of the request: a breach, and still ongoing (the window ends 2024-03-25 10:00)
  {
    id: "LIVE-28", title: "awaiting integration on day 9: breach, still live",
    ...awaitingIntegration("2024-03-11 10:05:00", { attention: integrationOverdue("2024-03-11 10:00:00", "2024-03-11 10:05:00") }),
  },
  // Day 13: a breach with 25 h left in its window
  {
    id: "LIVE-29", title: "awaiting integration on day 13: breach, 25 h left",
    ...awaitingIntegration("2024-03-07 13:05:00", { attention: integrationOverdue("2024-03-07 13:00:00", "2024-03-07 13:05:00") }),
  },
  // The watermark exactly at the end of the window (14 days after the request): still ongoing, 0 h left
  {
    id: "LIVE-30", title: "awaiting integration, window ending at the watermark: still live",
    ...awaitingIntegration("2024-03-06 12:05:00", { attention: integrationOverdue("2024-03-06 12:00:00", "2024-03-06 12:05:00") }),
  },
  // One second past the window: an outcome, no longer live, no flag, though still open (and late)
  {
    id: "LIVE-31", title: "awaiting integration 1 s past the 14-day window: not live",
    messages: ehrSent("2024-03-06 11:59:59", "2024-03-06 12:05:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: age("2024-03-06 11:59:59"), hours_since_last_activity: age("2024-03-06 12:05:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: true, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-06 12:05:00"), core_ehr_count: 1, is_live: false,
    },
  },
  // A request never acknowledged, 19 days old: open, its activity level broken, but past its window: not live, no flag
  {
    id: "LIVE-32", title: "request not acknowledged, past the 14-day window: not live",
    messages: [["2024-03-01 12:00:00", "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 19 * 24, hours_since_last_activity: 19 * 24,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: true, is_live: false,
    },
  },
  // A request not acknowledged for 2 days: a breach for the service desk, naming the sending supplier
  {
    id: "LIVE-33", title: "request not acknowledged for 2 days: breach for the service desk",
    messages: [["2024-03-18 12:00:00", "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 48, hours_since_last_activity: 48,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: true,
      attention: {
        attention_flag: FLAG.NO_ACTIVITY, attention_level: "Breach", who_acts: WHO.SERVICE_DESK, flaggedAt: "2024-03-19 12:00:00", dueAt: "2024-04-01 12:00:00",
        reason: /^The sending practice's system has not acknowledged the request for over 24 hours: .*the sending supplier \(TPP\)\.$/,
      },
    },
  },
  // §5.2 4c: fragments asked for 2 days ago and none sent: a breach for the sending practice's supplier
  {
    id: "LIVE-34", title: "no fragment sent for 2 days: breach for the sending supplier",
    messages: [...ehrSent("2024-03-18 09:00:00", "2024-03-18 09:05:00"), ["2024-03-18 09:06:00", "K1", "COPC", "R>S"]],
    expected: {
      stage: STAGE.FRAGMENTS, status: "Technical failure", failure_reason: "COPC(s) not sent", age_hours: 51, hours_since_last_activity: age("2024-03-18 09:06:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: true,
      first_core_ehr_at: iso("2024-03-18 09:05:00"), core_ehr_count: 1,
      attention: {
        attention_flag: FLAG.NO_ACTIVITY, attention_level: "Breach", who_acts: WHO.SUPPLIER, flaggedAt: "2024-03-19 09:06:00", dueAt: "2024-04-01 09:00:00",
        reason: /^The registering practice's system asked for the large-message fragments over 24 hours ago and none has arrived: raise it with the sending practice's supplier \(TPP\), quoting the conversation ID\.$/,
      },
    },
  },
  // §5.2 4d: a fragment unacknowledged for 3 days: a breach for the requesting practice's supplier
  {
    id: "LIVE-35", title: "fragment not acknowledged for 3 days: breach for the requesting supplier",
    messages: [
      ...ehrSent("2024-03-17 09:00:00", "2024-03-17 09:05:00"),
      ["2024-03-17 09:06:00", "K1", "COPC", "R>S"],
      ["2024-03-17 09:10:00", "F1", "COPC", "S>R"],
    ],
    expected: {
      stage: STAGE.FRAGMENTS, status: "Technical failure", failure_reason: "COPC(s) not acknowledged", age_hours: 75, hours_since_last_activity: age("2024-03-17 09:10:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: true,
      first_core_ehr_at: iso("2024-03-17 09:05:00"), core_ehr_count: 1, copc_fragment_count: 1,
      attention: {
        attention_flag: FLAG.NO_ACTIVITY, attention_level: "Breach", who_acts: WHO.SUPPLIER, flaggedAt: "2024-03-18 09:10:00", dueAt: "2024-03-31 09:00:00",
        reason: /^A large-message fragment has waited over 24 hours for the registering practice's system to acknowledge it: raise it with the requesting practice's supplier \(EMIS\), quoting the conversation ID\.$/,
      },
    },
  },
];

/**
 * The to-chase order: breaches first, the least time left to the end of the window first (LIVE-30 0 h, LIVE-29 25 h,
 * LIVE-28 118 h, LIVE-12 143.8 h, LIVE-35 261 h, LIVE-34 285 h, LIVE-33 288 h, LIVE-03 306 h); then warnings, the
 * least time left to the breach first (LIVE-13 and LIVE-04 0 h, the older request LIVE-13 first; LIVE-27 12.1 h,
 * LIVE-22 22 h, LIVE-01 23 h, LIVE-26 42.1 h, LIVE-25 48 h).
 */
const URGENCY_ORDER = [
  "LIVE-30", "LIVE-29", "LIVE-28", "LIVE-12", "LIVE-35", "LIVE-34", "LIVE-33", "LIVE-03",
  "LIVE-13", "LIVE-04", "LIVE-27", "LIVE-22", "LIVE-01", "LIVE-26", "LIVE-25",
];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("live-view");
  await insertSpineRows(warehouse, cases.flatMap((c) => conversationRows(c.id, c.messages)), "2024-03-20_spine_messages.csv.gz");
  await runGraph(warehouse);
});

afterAll(() => warehouse?.close());

/** Hours compared to the microsecond. */
const toMicros = (hours: unknown) => (hours === null ? null : Math.round((hours as number) * 3_600_000_000) / 3_600_000_000);
const rounded = (row: Record<string, unknown>) => ({
  ...row,
  age_hours: toMicros(row.age_hours),
  hours_since_last_activity: toMicros(row.hours_since_last_activity),
  hours_since_core_ehr: toMicros(row.hours_since_core_ehr),
  hours_left: toMicros(row.hours_left),
  hours_flagged: toMicros(row.hours_flagged),
});

const liveCases = cases.filter((c): c is Case & { expected: ExpectedLive } => c.expected !== "no row");

/** A report source's query (reports/sources/gp2gp/<name>.sql), which reads gp2gp_marts as the test warehouse names it. */
function source(name: string): string {
  expect(datasets.marts).toBe("gp2gp_marts");
  return fs.readFileSync(path.join(REPORTS_DIR, "sources", "gp2gp", `${name}.sql`), "utf8");
}

describe("transfers_live: stage, age, window, flags and service levels at the watermark (Decision 5)", () => {
  it("the watermark is the latest message loaded", async () => {
    expect(await warehouse.scalar(`select max(message_at) from "${datasets.staged}".stg_spine_messages`)).toBe(iso(WATERMARK));
  });

  it.each(cases.map((c) => [`${c.id}: ${c.title}`, c] as const))("%s", async (_name, c) => {
    const rows: Row[] = await liveRows(warehouse, c.id);
    if (c.expected === "no row") {
      expect(rows).toEqual([]);
      return;
    }
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(rounded(pick(row, LIVE_COLUMNS))).toEqual(rounded(expectedRow(c, c.expected) as unknown as Record<string, unknown>));
    if (c.expected.attention) expect(row.action_reason).toMatch(c.expected.attention.reason);
    else expect(pick(row, ["action_reason", "urgency_rank"])).toEqual({ action_reason: null, urgency_rank: null });
  });

  it("covers every stage, every flag and level, and every one who acts", () => {
    const expected = liveCases.map((c) => c.expected);
    expect(new Set(expected.map((e) => e.stage))).toEqual(new Set(Object.values(STAGE)));
    expect(new Set(expected.flatMap((e) => (e.attention ? [e.attention.attention_flag] : [])))).toEqual(new Set(Object.values(FLAG)));
    expect(new Set(expected.flatMap((e) => (e.attention ? [`${e.attention.attention_flag}: ${e.attention.attention_level}`] : [])))).toEqual(
      new Set([
        `${FLAG.NO_ACTIVITY}: Breach`, `${FLAG.INTEGRATION_OVERDUE}: Breach`, `${FLAG.CORE_EHR_LATE}: Warning`, `${FLAG.INTEGRATION_DUE}: Warning`,
      ]),
    );
    expect(new Set(expected.flatMap((e) => (e.attention ? [e.attention.who_acts] : [])))).toEqual(new Set(Object.values(WHO)));
  });

  it("ranks the transfers that need action by urgency: breaches, then warnings, the least time left first, then the oldest", async () => {
    const rows = await warehouse.rows<{ conversation_id: string; urgency_rank: number }>(
      `select conversation_id, urgency_rank from "${datasets.marts}".transfers_live where needs_action order by urgency_rank`,
    );
    expect(rows.map((r) => r.conversation_id)).toEqual(URGENCY_ORDER);
    expect(rows.map((r) => Number(r.urgency_rank))).toEqual(URGENCY_ORDER.map((_, i) => i + 1));
  });

  // §5.6, §8.1 "late integration after the cutoff": the 14-day row of LIVE-20 does not see the integration
  it("LIVE-20 at cutoff 14: transferred, not integrated", async () => {
    const row = await transferAt(warehouse, "LIVE-20", 14);
    expect(pick(row, ["status", "failure_reason", "sla_duration", "date_completed", "is_final"])).toEqual({
      status: "Process failure", failure_reason: "Transferred, not integrated", sla_duration: null, date_completed: null, is_final: true,
    });
  });
});

describe("the live view's report sources", () => {
  it("transfers_needing_attention lists the transfers to chase in urgency order, with who acts and why", async () => {
    const rows = await warehouse.rows<{ urgency_rank: number; conversation_id: string; who_acts: string; action_reason: string }>(source("transfers_needing_attention"));
    expect(rows.map((r) => r.conversation_id)).toEqual(URGENCY_ORDER);
    for (const row of rows) {
      const c = liveCases.find((x) => x.id === row.conversation_id)!;
      expect(row.who_acts, c.id).toBe(c.expected.attention!.who_acts);
      expect(row.action_reason, c.id).toMatch(c.expected.attention!.reason);
    }
  });

  it("open_transfers counts the ongoing transfers by stage and flag, and those past their window apart", async () => {
    const rows = await warehouse.rows<{ stage: string; is_live: boolean; needs_action: boolean; attention_flag: string | null; age_band: string; open_transfer_count: number }>(
      source("open_transfers"),
    );
    const count = (keep: (r: (typeof rows)[number]) => boolean) => rows.filter(keep).reduce((sum, r) => sum + Number(r.open_transfer_count), 0);
    const open = liveCases.filter((c) => c.expected.stage !== STAGE.CLOSED);
    const past = open.filter((c) => c.expected.is_live === false).map((c) => c.id);
    expect(past).toEqual(["LIVE-31", "LIVE-32"]);
    expect(count(() => true)).toBe(open.length);
    expect(count((r) => r.is_live)).toBe(open.length - past.length);
    expect(count((r) => !r.is_live)).toBe(past.length);
    expect(new Set(rows.filter((r) => !r.is_live).map((r) => r.age_band))).toEqual(new Set(["Past its 14-day window"]));
    expect(count((r) => r.needs_action)).toBe(URGENCY_ORDER.length);
    expect(count((r) => r.stage === STAGE.INTEGRATION && r.attention_flag === FLAG.INTEGRATION_DUE)).toBe(4);
    expect(count((r) => r.stage === STAGE.INTEGRATION && r.is_live && r.attention_flag === null)).toBe(
      open.filter((c) => c.expected.stage === STAGE.INTEGRATION && c.expected.is_live !== false && !c.expected.attention).length,
    );
  });
});

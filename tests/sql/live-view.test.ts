/**
 * transfers_live (Decision 5) as SQL scenario tests on DuckDB: every transfer classified on all its messages so far
 * (no cutoff), with its stage, age and broken service levels measured at the data watermark (the latest message
 * loaded), here 2024-03-20T12:00:00.000Z. Service levels (includes/constants.ts SLA): core EHR sent within
 * 20 minutes of the request; integrated within 8 days of the core EHR (the SLA clock of Decision 8); an open
 * transfer shows activity at least every 24 hours. One conversation per case.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import type { Row, Warehouse } from "../../scripts/lib/duckdb";
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

interface Live {
  stage: string;
  is_open: boolean;
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
  breaks_core_ehr_sent_sla: boolean;
  breaks_integration_sla: boolean;
  breaks_activity_sla: boolean;
  sender_error_codes: number[];
  final_error_codes: number[];
  intermediate_error_codes: number[];
  core_ehr_count: number;
  copc_fragment_count: number;
}
const LIVE_COLUMNS = [
  "stage", "is_open", "status", "failure_reason", "sla_duration", "date_requested", "first_core_ehr_at", "date_completed",
  "last_activity_at", "data_watermark_at", "age_hours", "hours_since_last_activity", "breaks_core_ehr_sent_sla",
  "breaks_integration_sla", "breaks_activity_sla", "sender_error_codes", "final_error_codes", "intermediate_error_codes",
  "core_ehr_count", "copc_fragment_count",
] as const satisfies readonly (keyof Live)[];

type ExpectedLive = Pick<Live, "stage" | "status" | "failure_reason" | "age_hours" | "hours_since_last_activity" | "breaks_core_ehr_sent_sla" | "breaks_integration_sla" | "breaks_activity_sla"> &
  Partial<Live>;

/** Hours between two "YYYY-MM-DD HH:MM:SS" UTC times. */
const hoursBetween = (later: string, earlier: string) => (Date.parse(iso(later)) - Date.parse(iso(earlier))) / 3_600_000;
const age = (time: string) => hoursBetween(WATERMARK, time);

interface Case {
  id: string;
  title: string;
  messages: Message[];
  expected: ExpectedLive | "no row";
}

/** The expected live row: date_requested is the first message, last activity the last one, unless given. */
function expectedRow(c: Case, e: ExpectedLive): Live {
  const times = c.messages.map((m) => m[0]).sort();
  return {
    is_open: e.stage !== STAGE.CLOSED,
    sla_duration: null,
    date_requested: iso(times[0]!),
    first_core_ehr_at: null,
    date_completed: null,
    last_activity_at: iso(times[times.length - 1]!),
    data_watermark_at: iso(WATERMARK),
    sender_error_codes: [],
    final_error_codes: [],
    intermediate_error_codes: [],
    core_ehr_count: 0,
    copc_fragment_count: 0,
    ...e,
  };
}

const notAcknowledged = { status: "Technical failure", failure_reason: "Request not acknowledged" } as const;
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

const cases: Case[] = [
  // Decision 5: the request that is the watermark: awaiting its ack, age 0, no service level broken yet
  {
    id: "LIVE-W", title: "requested at the watermark",
    messages: [[WATERMARK, "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 0, hours_since_last_activity: 0,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
    },
  },
  // Decision 5: no request ack after 1 h: awaiting request acknowledgement; no core EHR 60 min after the request breaks the 20-minute level
  {
    id: "LIVE-01", title: "awaiting request acknowledgement for an hour",
    messages: [["2024-03-20 11:00:00", "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 1, hours_since_last_activity: 1,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
    },
  },
  // Decision 5: 15 minutes after the request without a core EHR is still within 20 minutes
  {
    id: "LIVE-02", title: "awaiting request acknowledgement for 15 minutes",
    messages: [["2024-03-20 11:45:00", "REQ", "REQ", "R>S"]],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, age_hours: 0.25, hours_since_last_activity: 0.25,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
    },
  },
  // Decision 5: acknowledged, no core EHR: awaiting core EHR; 29.5 h without a message breaks the 24 h activity level
  {
    id: "LIVE-03", title: "awaiting core EHR, quiet for 29.5 hours",
    messages: [
      ["2024-03-19 06:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-19 06:30:00", "A1", "ACK", "S>R", "REQ"],
    ],
    expected: {
      stage: STAGE.CORE_EHR, status: "Technical failure", failure_reason: "Core extract not sent", age_hours: 30, hours_since_last_activity: 29.5,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: true,
    },
  },
  // Decision 5: exactly 24 h without a message does not break the activity level (more than 24 h does)
  {
    id: "LIVE-04", title: "awaiting core EHR, quiet for exactly 24 hours",
    messages: [
      ["2024-03-19 11:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-19 12:00:00", "A1", "ACK", "S>R", "REQ"],
    ],
    expected: {
      stage: STAGE.CORE_EHR, status: "Technical failure", failure_reason: "Core extract not sent", age_hours: 25, hours_since_last_activity: 24,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
    },
  },
  // Decision 5, §5.2 4c: a COPC continue without fragments: awaiting large-message fragments (judged now: COPC(s) not sent)
  {
    id: "LIVE-05", title: "awaiting fragments after a COPC continue",
    messages: [...ehrSent("2024-03-20 09:00:00", "2024-03-20 09:05:00"), ["2024-03-20 09:06:00", "K1", "COPC", "R>S"]],
    expected: {
      stage: STAGE.FRAGMENTS, status: "Technical failure", failure_reason: "COPC(s) not sent", age_hours: 3, hours_since_last_activity: age("2024-03-20 09:06:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 09:05:00"), core_ehr_count: 1,
    },
  },
  // Decision 5, §5.2 4d: a fragment not yet acknowledged: awaiting fragment acknowledgements (judged now: COPC(s) not acknowledged)
  {
    id: "LIVE-06", title: "awaiting a fragment's acknowledgement",
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
  // Decision 5: core EHR sent 19 minutes after the request, not yet acknowledged: awaiting integration, 20-minute level kept
  {
    id: "LIVE-07", title: "core EHR 19 minutes after the request",
    messages: ehrSent("2024-03-20 08:00:00", "2024-03-20 08:19:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 4, hours_since_last_activity: age("2024-03-20 08:19:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:19:00"), core_ehr_count: 1,
    },
  },
  // Decision 5: core EHR sent 21 minutes after the request breaks the 20-minute level
  {
    id: "LIVE-08", title: "core EHR 21 minutes after the request",
    messages: ehrSent("2024-03-20 08:00:00", "2024-03-20 08:21:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 4, hours_since_last_activity: age("2024-03-20 08:21:00"),
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:21:00"), core_ehr_count: 1,
    },
  },
  // Decision 5: core EHR exactly 20 minutes after the request is within the level
  {
    id: "LIVE-09", title: "core EHR exactly 20 minutes after the request",
    messages: ehrSent("2024-03-20 08:00:00", "2024-03-20 08:20:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 4, hours_since_last_activity: age("2024-03-20 08:20:00"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:20:00"), core_ehr_count: 1,
    },
  },
  // Decision 5, §5.2 4e: every fragment acknowledged: awaiting integration
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
  // Decision 5, §4.1 step 8: a duplicate-12 ack decides nothing: still awaiting integration
  {
    id: "LIVE-11", title: "core EHR acknowledged only as a duplicate",
    messages: [...ehrSent("2024-03-20 09:00:00", "2024-03-20 09:05:00"), ["2024-03-20 09:30:00", "A2", "ACK", "R>S", "E1", 12]],
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: 3, hours_since_last_activity: 2.5,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 09:05:00"), final_error_codes: [12], core_ehr_count: 1,
    },
  },
  // Decision 5/8: still not integrated 8 days + 1 s after the core EHR breaks the integration level
  {
    id: "LIVE-12", title: "waiting 8 days + 1 s since the core EHR",
    messages: ehrSent("2024-03-12 11:50:00", "2024-03-12 11:59:59"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: age("2024-03-12 11:50:00"), hours_since_last_activity: age("2024-03-12 11:59:59"),
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: true, breaks_activity_sla: true,
      first_core_ehr_at: iso("2024-03-12 11:59:59"), core_ehr_count: 1,
    },
  },
  // Decision 5/8: exactly 8 days since the core EHR is still within the integration level
  {
    id: "LIVE-13", title: "waiting exactly 8 days since the core EHR",
    messages: ehrSent("2024-03-12 11:50:00", "2024-03-12 12:00:00"),
    expected: {
      stage: STAGE.INTEGRATION, ...notIntegrated, age_hours: age("2024-03-12 11:50:00"), hours_since_last_activity: 192,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: true,
      first_core_ehr_at: iso("2024-03-12 12:00:00"), core_ehr_count: 1,
    },
  },
  // Decision 5: integrated a day after the core EHR: closed; a closed transfer breaks no activity level however old
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
  // Decision 5/8, §5.2 rule 2: integrated 9 days after the core EHR: closed, late, breaks the integration level
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
  // Decision 5/8, §5.3: integrated exactly 8 days after the core EHR is on time and keeps the integration level
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
  // Decision 5, §5.2 rule 3: the core EHR rejected (28): closed with a final error
  {
    id: "LIVE-17", title: "closed after a final error",
    messages: [...ehrSent("2024-03-20 08:00:00", "2024-03-20 08:05:00"), ["2024-03-20 09:00:00", "A2", "ACK", "R>S", "E1", 28]],
    expected: {
      stage: STAGE.CLOSED, status: "Technical failure", failure_reason: "Final error", sla_duration: 3_300, age_hours: 4, hours_since_last_activity: 3,
      breaks_core_ehr_sent_sla: false, breaks_integration_sla: false, breaks_activity_sla: false,
      first_core_ehr_at: iso("2024-03-20 08:05:00"), date_completed: iso("2024-03-20 09:00:00"), final_error_codes: [28], core_ehr_count: 1,
    },
  },
  // Decision 5: the request refused with a non-fatal error (19) and nothing sent: closed; no core EHR 52 h on breaks the 20-minute level
  {
    id: "LIVE-18", title: "closed: request refused with error 19",
    messages: [
      ["2024-03-18 08:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-18 08:01:00", "A1", "ACK", "S>R", "REQ", 19],
    ],
    expected: {
      stage: STAGE.CLOSED, status: "Technical failure", failure_reason: "Core extract not sent", age_hours: 52, hours_since_last_activity: age("2024-03-18 08:01:00"),
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false, sender_error_codes: [19],
    },
  },
  // Decision 5, §5.2 rule 5: the request refused with fatal error 6: closed
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
  // Decision 5: the live view has no cutoff: an integration 20 days after the core EHR is seen (closed, late)
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
  // §4.1 step 6, §4.2: a re-sent request moves date_requested to the copy, so the age runs from it (2 h, not 6 h)
  {
    id: "LIVE-22", title: "age from the re-sent request",
    messages: [
      ["2024-03-20 06:00:00", "REQ", "REQ", "R>S"],
      ["2024-03-20 10:00:00", "REQ", "REQ", "R>S"],
    ],
    expected: {
      stage: STAGE.REQUEST_ACK, ...notAcknowledged, date_requested: iso("2024-03-20 10:00:00"), age_hours: 2, hours_since_last_activity: 2,
      breaks_core_ehr_sent_sla: true, breaks_integration_sla: false, breaks_activity_sla: false,
    },
  },
];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await openTestWarehouse("live-view");
  await insertSpineRows(warehouse, cases.flatMap((c) => conversationRows(c.id, c.messages)), "2024-03-20_spine_messages.csv.gz");
  await runGraph(warehouse);
}, 120_000);

afterAll(() => warehouse?.close());

/** Hours compared to the microsecond. */
const toMicros = (hours: unknown) => Math.round((hours as number) * 3_600_000_000) / 3_600_000_000;
const rounded = (row: { age_hours: unknown; hours_since_last_activity: unknown }) => ({
  ...row,
  age_hours: toMicros(row.age_hours),
  hours_since_last_activity: toMicros(row.hours_since_last_activity),
});

describe("transfers_live: stage, age and service levels at the watermark (Decision 5)", () => {
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
    expect(rounded(pick(rows[0]!, LIVE_COLUMNS))).toEqual(rounded(expectedRow(c, c.expected)));
  });

  // §5.6, §8.1 "late integration after the cutoff": the 14-day row of LIVE-20 does not see the integration
  it("LIVE-20 at cutoff 14: transferred, not integrated", async () => {
    const row = await transferAt(warehouse, "LIVE-20", 14);
    expect(pick(row, ["status", "failure_reason", "sla_duration", "date_completed", "is_final"])).toEqual({
      status: "Process failure", failure_reason: "Transferred, not integrated", sla_duration: null, date_completed: null, is_final: true,
    });
  });
});

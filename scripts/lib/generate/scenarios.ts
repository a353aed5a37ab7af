/**
 * Conversation scenarios: what messages one transfer attempt sends, and the outcome the classifier should give it
 * at the 14-day cutoff (spec §5.2). Together the scenarios cover every path of the decision list and the
 * data-quality quirks of spec §8.1–§8.2 (duplicate EHRs, conflicting acknowledgements, re-sent rows, clock
 * skew, unknown interactions and GUIDs, messages after 14 days).
 *
 * The intended outcome is a label the generator records, not something written to the files: it lets tests and
 * benchmarks check the classifier against known answers. It assumes the whole conversation is visible; a
 * conversation cut by the end of the generated window can classify differently.
 */
import { ACK_CODE, FAILURE_REASON, FATAL_SENDER_ERROR_CODES, STATUS } from "../../../includes/constants";
import { DAY_MS } from "./calendar";
import { SCENARIO_IDS, type GeneratorConfig, type ScenarioId } from "./config";
import { ConversationBuilder, INTERACTION, type DraftMessage, type Party, type Role } from "./messages";
import { WeightedTable, type Random } from "./random";
import { Timing } from "./timing";

export interface IntendedOutcome {
  /** A status of spec §5.1, or DISCARDED for a conversation the classifier drops. */
  readonly status: string;
  readonly reason: string | null;
}

export const DISCARDED = "Discarded (first message is not the request)";

/** "Status / Failure reason", or the status alone: the key of the generator's outcome counts. */
export function outcomeLabel(outcome: IntendedOutcome): string {
  return outcome.reason ? `${outcome.status} / ${outcome.reason}` : outcome.status;
}

const ON_TIME: IntendedOutcome = { status: STATUS.INTEGRATED_ON_TIME, reason: null };
const process = (reason: string): IntendedOutcome => ({ status: STATUS.PROCESS_FAILURE, reason });
const technical = (reason: string): IntendedOutcome => ({ status: STATUS.TECHNICAL_FAILURE, reason });
const unclassified = (reason: string): IntendedOutcome => ({ status: STATUS.UNCLASSIFIED_FAILURE, reason });

/** Tags recorded on conversations (counted in the summary) for the variations that do not change the outcome. */
export const TAG = {
  LARGE_MESSAGE: "large_message",
  EHR_UK07: "ehr_uk07",
  UNKNOWN_INTERACTION: "unknown_interaction",
  ACK_OF_UNKNOWN_GUID: "ack_of_unknown_guid",
  DUPLICATE_EHR_ONLY_12: "duplicate_ehr_acked_12_only",
  EHR_AFTER_FATAL_ERROR: "ehr_after_fatal_sender_error",
  POSITIVE_ACK_BEFORE_ERROR: "positive_request_ack_before_error",
  SUPPRESSED: "suppressed_15",
  MESSAGE_AFTER_14_DAYS: "message_after_14_days",
  RESENT_ROW: "resent_row_same_guid",
  CLOCK_SKEW: "clock_skew",
  fatalSenderCode: (code: number) => `fatal_sender_code_${code}`,
  senderCode: (code: number) => `non_fatal_sender_code_${code}`,
  finalCode: (code: number) => `final_code_${code}`,
  fragmentCode: (code: number) => `fragment_code_${code}`,
} as const;

/** Large-message failure codes: an EHR rejected with these was, by definition, sent as a large message. */
const LARGE_MESSAGE_FINAL_CODES = new Set([29, 31]);

/** Samplers built once per run from the configuration. */
export class ScenarioTables {
  readonly scenarios: WeightedTable<ScenarioId>;
  readonly fatalSender: WeightedTable<number>;
  readonly nonFatalSender: WeightedTable<number>;
  readonly finalError: WeightedTable<number>;
  readonly copcFragment: WeightedTable<number>;

  constructor(readonly config: GeneratorConfig) {
    this.scenarios = new WeightedTable(
      SCENARIO_IDS,
      SCENARIO_IDS.map((id) => config.scenarioWeights[id]),
    );
    this.fatalSender = WeightedTable.fromRecord(config.errorCodes.fatalSender, Number);
    this.nonFatalSender = WeightedTable.fromRecord(config.errorCodes.nonFatalSender, Number);
    this.finalError = WeightedTable.fromRecord(config.errorCodes.finalError, Number);
    this.copcFragment = WeightedTable.fromRecord(config.errorCodes.copcFragment, Number);
  }
}

export interface ScenarioInput {
  readonly rng: Random;
  readonly tables: ScenarioTables;
  readonly requester: Party;
  readonly sender: Party;
  /** When the request is logged (epoch ms, UTC). */
  readonly requestedAt: number;
}

export interface BuiltConversation {
  readonly conversationId: string;
  readonly scenario: ScenarioId;
  readonly outcome: IntendedOutcome;
  readonly tags: readonly string[];
  /** In the order built, which is not necessarily time order. */
  readonly messages: readonly DraftMessage[];
}

/** Options for a large message: which fragments the requester leaves unacknowledged or acknowledges with an error. */
interface LargeMessageOptions {
  readonly firstUnacked?: number;
  readonly errorAt?: number;
  readonly errorCode?: number;
}

/** The steps scenarios are written in: a conversation builder with the run's timing model and samplers. */
class ScenarioKit {
  readonly c: ConversationBuilder;
  readonly time: Timing;
  readonly tags: string[] = [];
  readonly t0: number;
  private readonly config: GeneratorConfig;
  private readonly ehrInteraction: string;
  private ehrSent = false;

  constructor(
    readonly rng: Random,
    readonly tables: ScenarioTables,
    requester: Party,
    sender: Party,
    requestedAt: number,
  ) {
    this.config = tables.config;
    this.c = new ConversationBuilder(rng, requester, sender);
    this.time = new Timing(rng, this.config.timing);
    this.t0 = requestedAt;
    // One system sends one kind of core EHR, so every copy in a conversation uses the same interaction.
    this.ehrInteraction = rng.chance(this.config.modifiers.ehrUk07Share) ? INTERACTION.CORE_EHR_REDACTED : INTERACTION.CORE_EHR;
  }

  request(): DraftMessage {
    return this.c.request(this.t0);
  }

  /** The request and the sender's positive acknowledgement of it; returns the acknowledgement's time. */
  acknowledgedRequest(): number {
    const request = this.request();
    return this.c.ack("sender", request, this.time.requestAck(request.time), null).time;
  }

  /** A request acknowledged with a sender error code, sometimes after a positive acknowledgement ({NONE, 20}). */
  requestWithSenderError(code: number): number {
    const request = this.request();
    let t = request.time;
    if (this.rng.chance(this.config.modifiers.positiveAckBeforeSenderErrorShare)) {
      t = this.c.ack("sender", request, this.time.requestAck(t), null).time;
      this.tags.push(TAG.POSITIVE_ACK_BEFORE_ERROR);
    }
    this.tags.push(FATAL_SENDER_ERROR_CODES.includes(code) ? TAG.fatalSenderCode(code) : TAG.senderCode(code));
    return this.c.ack("sender", request, this.time.requestAck(t), code).time;
  }

  ehr(time: number): DraftMessage {
    if (!this.ehrSent && this.ehrInteraction === INTERACTION.CORE_EHR_REDACTED) this.tags.push(TAG.EHR_UK07);
    this.ehrSent = true;
    return this.c.coreEhr(time, this.ehrInteraction);
  }

  /** A re-sent copy of the core EHR (a new message, new GUID), acknowledged by the requester as a duplicate (12). */
  duplicateEhrAcked12(after: number): void {
    const copy = this.ehr(this.time.duplicateResend(after));
    this.c.ack("requester", copy, this.time.automaticAck(copy.time), ACK_CODE.DUPLICATE_EHR);
  }

  /**
   * COPC continue from the requester, then fragments from the sender, each acknowledged by the requester unless
   * options say otherwise. Returns the time of the last message.
   */
  largeMessage(ehr: DraftMessage, options: LargeMessageOptions = {}, fragments = this.fragmentCount()): number {
    this.tags.push(TAG.LARGE_MESSAGE);
    let t = this.c.copc("requester", this.time.copcContinue(ehr.time)).time;
    let last = t;
    for (let i = 0; i < fragments; i++) {
      // Fragments stream one after another; each acknowledgement follows its own fragment.
      const fragment = this.c.copc("sender", this.time.fragment(t));
      t = fragment.time;
      last = Math.max(last, t);
      if (options.firstUnacked !== undefined && i >= options.firstUnacked) continue;
      const code = i === options.errorAt ? (options.errorCode ?? null) : null;
      last = Math.max(last, this.c.ack("requester", fragment, this.time.fragmentAck(t), code).time);
    }
    return last;
  }

  maybeLargeMessage(ehr: DraftMessage): number {
    return this.rng.chance(this.config.modifiers.largeMessageShare) ? this.largeMessage(ehr) : ehr.time;
  }

  fragmentCount(): number {
    const { min, max } = this.config.modifiers.fragments;
    return Math.min(max, Math.max(min, Math.round(this.rng.fromPercentiles(this.config.modifiers.fragments))));
  }

  /** The requester's final acknowledgement of `ehr`, on time. */
  integrateOnTime(ehr: DraftMessage, earliest: number, code: number | null = null): DraftMessage {
    return this.c.ack("requester", ehr, this.time.integration(ehr.time, earliest, this.time.onTimeBand()), code);
  }

  /** Stray messages that never change the outcome: an unknown interaction, an acknowledgement of an unknown GUID. */
  addStrays(): void {
    const role = (): Role => (this.rng.chance(0.5) ? "requester" : "sender");
    if (this.rng.chance(this.config.modifiers.unknownInteractionShare)) {
      this.c.unknownInteraction(role(), this.time.shortlyAfter(this.t0));
      this.tags.push(TAG.UNKNOWN_INTERACTION);
    }
    if (this.rng.chance(this.config.modifiers.ackOfUnknownGuidShare)) {
      this.c.ack(role(), this.rng.guid(), this.time.shortlyAfter(this.t0), null);
      this.tags.push(TAG.ACK_OF_UNKNOWN_GUID);
    }
  }
}

/** A moment strictly between a and b (both epoch ms, b − a ≥ 2). */
function between(rng: Random, a: number, b: number): number {
  return Math.min(b - 1, Math.max(a + 1, Math.round(rng.uniform(a, b))));
}

interface ScenarioDefinition {
  readonly outcome: IntendedOutcome;
  readonly description: string;
  readonly build: (k: ScenarioKit) => void;
}

/** Every scenario: its intended outcome at the 14-day cutoff, a description, and how its messages are sent. */
export const SCENARIOS: Readonly<Record<ScenarioId, ScenarioDefinition>> = {
  integrated_on_time: {
    outcome: ON_TIME,
    description: "Request acknowledged, core EHR sent (sometimes as a large message), integrated within 8 days (ack NONE).",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      k.integrateOnTime(ehr, k.maybeLargeMessage(ehr));
    },
  },
  integrated_on_time_suppressed: {
    outcome: ON_TIME,
    description: "As integrated_on_time, but filed as a suppressed record (ack 15).",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      k.integrateOnTime(ehr, k.maybeLargeMessage(ehr), ACK_CODE.SUPPRESSED);
      k.tags.push(TAG.SUPPRESSED);
    },
  },
  integrated_without_request_ack: {
    outcome: ON_TIME,
    description: "The sender never acknowledges the request but sends the EHR, which is integrated (integration beats everything).",
    build: (k) => {
      const request = k.request();
      const ehr = k.ehr(k.time.coreEhr(k.time.requestAck(request.time)));
      k.integrateOnTime(ehr, k.maybeLargeMessage(ehr));
    },
  },
  duplicate_ehr_integrated: {
    outcome: ON_TIME,
    description: "The sender re-sends the core EHR; the requester integrates the first copy and acks the second as duplicate (12).",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      const done = k.maybeLargeMessage(ehr);
      k.integrateOnTime(ehr, done);
      k.duplicateEhrAcked12(done);
    },
  },
  conflicting_acks_integrated: {
    outcome: ON_TIME,
    description: "One core EHR acknowledged three times: 11, then 12, then NONE; the positive ack wins (spec S29).",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      const done = k.maybeLargeMessage(ehr);
      const integrated = k.time.integration(ehr.time, done, k.time.onTimeBand());
      const midway = Math.round((done + integrated) / 2);
      const failed = between(k.rng, done, midway);
      const duplicate = between(k.rng, midway, integrated);
      k.c.ack("requester", ehr, failed, 11); // failed to integrate
      k.c.ack("requester", ehr, duplicate, ACK_CODE.DUPLICATE_EHR);
      k.c.ack("requester", ehr, integrated, null);
    },
  },
  resent_request_integrated: {
    outcome: ON_TIME,
    description: "The request row is logged twice with the same GUID before it is acknowledged; the transfer integrates.",
    build: (k) => {
      const request = k.request();
      const copy = k.c.resend(request, request.time + k.rng.intBetween(1, 800));
      k.tags.push(TAG.RESENT_ROW);
      const ack = k.c.ack("sender", request, k.time.requestAck(copy.time), null);
      const ehr = k.ehr(k.time.coreEhr(ack.time));
      k.integrateOnTime(ehr, k.maybeLargeMessage(ehr));
    },
  },
  integrated_late: {
    outcome: process(FAILURE_REASON.INTEGRATED_LATE),
    description: "Integrated (or suppressed) more than 8 days after the core EHR, within 14 days of the request.",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest(), false));
      const done = k.maybeLargeMessage(ehr);
      const suppressed = k.rng.chance(0.05);
      if (suppressed) k.tags.push(TAG.SUPPRESSED);
      k.c.ack("requester", ehr, k.time.lateIntegration(k.t0, ehr.time, done), suppressed ? ACK_CODE.SUPPRESSED : null);
    },
  },
  integrated_after_cutoff: {
    outcome: process(FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED),
    description: "Integrated more than 14 days after the request: invisible at the 14-day cutoff, so not integrated there.",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      k.maybeLargeMessage(ehr);
      k.c.ack("requester", ehr, k.time.afterCutoff(k.t0), null);
    },
  },
  transferred_not_integrated: {
    outcome: process(FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED),
    description: "Core EHR sent and never acknowledged; sometimes a re-sent copy is acked only as duplicate (spec S24).",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      if (k.rng.chance(k.tables.config.modifiers.duplicateOnlyShareOfNotIntegrated)) {
        // No large message here: fragments plus an unacknowledged EHR and a 12 would be "Ambiguous COPC messages".
        k.duplicateEhrAcked12(ehr.time);
        k.tags.push(TAG.DUPLICATE_EHR_ONLY_12);
      } else {
        k.maybeLargeMessage(ehr);
      }
    },
  },
  final_error: {
    outcome: technical(FAILURE_REASON.FINAL_ERROR),
    description: "The requester rejects the core EHR (e.g. 11 failed to integrate, 28 wrong patient, 29/31 large-message failures).",
    build: (k) => {
      const code = k.tables.finalError.sample(k.rng);
      k.tags.push(TAG.finalCode(code));
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      const done = LARGE_MESSAGE_FINAL_CODES.has(code) ? k.largeMessage(ehr) : k.maybeLargeMessage(ehr);
      k.c.ack("requester", ehr, k.time.finalError(done), code);
    },
  },
  request_not_acknowledged: {
    outcome: technical(FAILURE_REASON.REQUEST_NOT_ACKNOWLEDGED),
    description: "The request is never acknowledged and nothing else is sent.",
    build: (k) => {
      k.request();
    },
  },
  core_extract_not_sent: {
    outcome: technical(FAILURE_REASON.CORE_EXTRACT_NOT_SENT),
    description: "The request is acknowledged positively but no core EHR follows.",
    build: (k) => {
      k.acknowledgedRequest();
    },
  },
  core_extract_not_sent_sender_error: {
    outcome: technical(FAILURE_REASON.CORE_EXTRACT_NOT_SENT),
    description: "The request is acknowledged with a non-fatal error (e.g. 19, 20) and no core EHR follows.",
    build: (k) => {
      k.requestWithSenderError(k.tables.nonFatalSender.sample(k.rng));
    },
  },
  fatal_sender_error: {
    outcome: technical(FAILURE_REASON.CONTAINS_FATAL_SENDER_ERROR),
    description: "The request is acknowledged with a fatal code (6, 7, 10, 14, 23, 24, 30, 99); rarely an EHR follows anyway (spec S09).",
    build: (k) => {
      const acked = k.requestWithSenderError(k.tables.fatalSender.sample(k.rng));
      if (k.rng.chance(k.tables.config.modifiers.ehrAfterFatalErrorShare)) {
        k.ehr(k.time.coreEhr(acked));
        k.tags.push(TAG.EHR_AFTER_FATAL_ERROR);
      }
    },
  },
  copc_not_sent: {
    outcome: technical(FAILURE_REASON.COPC_NOT_SENT),
    description: "Core EHR and the requester's COPC continue, but the sender sends no fragments; the EHR is not acknowledged.",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      k.largeMessage(ehr, {}, 0);
    },
  },
  copc_not_acknowledged: {
    outcome: technical(FAILURE_REASON.COPC_NOT_ACKNOWLEDGED),
    description: "Large message whose last fragments the requester never acknowledges; the EHR is not acknowledged.",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      const fragments = k.fragmentCount();
      k.largeMessage(ehr, { firstUnacked: k.rng.int(fragments) }, fragments);
    },
  },
  copc_error: {
    outcome: unclassified(FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR),
    description: "Large message with every fragment acknowledged, one with an error code; the EHR is not acknowledged.",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      const fragments = k.fragmentCount();
      const errorCode = k.tables.copcFragment.sample(k.rng);
      k.tags.push(TAG.fragmentCode(errorCode));
      k.largeMessage(ehr, { errorAt: k.rng.int(fragments), errorCode }, fragments);
    },
  },
  ambiguous_copc: {
    outcome: unclassified(FAILURE_REASON.AMBIGUOUS_COPC),
    description: "Large message fully acknowledged, the first EHR never acknowledged and a re-sent EHR acked as duplicate (12).",
    build: (k) => {
      const ehr = k.ehr(k.time.coreEhr(k.acknowledgedRequest()));
      k.duplicateEhrAcked12(k.largeMessage(ehr));
    },
  },
  sender_error_then_ehr: {
    outcome: unclassified(FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED_WITH_ERROR),
    description: "The request is acknowledged with a non-fatal error, the sender still sends the EHR, which is not acknowledged (spec S08).",
    build: (k) => {
      k.ehr(k.time.coreEhr(k.requestWithSenderError(k.tables.nonFatalSender.sample(k.rng))));
    },
  },
  clock_skew_discarded: {
    outcome: { status: DISCARDED, reason: null },
    description: "The sender's acknowledgement is stamped a few seconds before the request (clock skew), so the conversation is discarded.",
    build: (k) => {
      const request = k.request();
      k.c.ack("sender", request, k.time.skewedBefore(request.time), null);
      k.tags.push(TAG.CLOCK_SKEW);
      const ehr = k.ehr(k.time.coreEhr(k.time.requestAck(request.time)));
      k.integrateOnTime(ehr, k.maybeLargeMessage(ehr));
    },
  },
};

const CUTOFF_MS = 14 * DAY_MS;

/** Builds one conversation of the given scenario between two parties, requested at `input.requestedAt`. */
export function buildConversation(scenario: ScenarioId, input: ScenarioInput): BuiltConversation {
  const kit = new ScenarioKit(input.rng, input.tables, input.requester, input.sender, input.requestedAt);
  const definition = SCENARIOS[scenario];
  definition.build(kit);
  kit.addStrays();
  const messages = kit.c.messages;
  if (messages.some((m) => m.time - input.requestedAt > CUTOFF_MS)) kit.tags.push(TAG.MESSAGE_AFTER_14_DAYS);
  return { conversationId: kit.c.conversationId, scenario, outcome: definition.outcome, tags: kit.tags, messages };
}

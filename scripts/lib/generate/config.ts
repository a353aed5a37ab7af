/**
 * Every rate, share and timing the synthetic generator uses, in one object, so calibration against the public
 * figures (reporting-products §8, domain spec §8.2–§8.3) is a matter of editing numbers here, never code.
 *
 * Shares are fractions (0.08 = 8 %); weight records need not sum to 1 (they are normalised when sampled).
 * Times are seconds unless a name says otherwise.
 */
import type { Percentiles } from "./random";
import type { Weekday } from "./calendar";

/** Practice clinical system suppliers as they appear in the Spine export's fromSystem/toSystem columns. */
export const SUPPLIERS = ["EMIS", "TPP", "Vision", "Microtest"] as const;
export type Supplier = (typeof SUPPLIERS)[number];

/**
 * The conversation scenarios. Each has one intended outcome at the 14-day cutoff (see scenarios.ts); together
 * they cover every path of the decision list of spec §5.2 and the data-quality quirks of spec §8.1–§8.2.
 */
export const SCENARIO_IDS = [
  "integrated_on_time",
  "integrated_on_time_suppressed",
  "integrated_without_request_ack",
  "duplicate_ehr_integrated",
  "conflicting_acks_integrated",
  "resent_request_integrated",
  "integrated_late",
  "integrated_after_cutoff",
  "transferred_not_integrated",
  "final_error",
  "request_not_acknowledged",
  "core_extract_not_sent",
  "core_extract_not_sent_sender_error",
  "fatal_sender_error",
  "copc_not_sent",
  "copc_not_acknowledged",
  "copc_error",
  "ambiguous_copc",
  "sender_error_then_ehr",
  "clock_skew_discarded",
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface GeneratorConfig {
  readonly volume: {
    /** Transfers requested per practice per average month (30.44 days); 6,300 practices × 40 ≈ 250k a month. */
    readonly transfersPerPracticePerMonth: number;
    /** Share of a week's transfers requested on each weekday (sandbox seasonality analysis). */
    readonly weekdayShares: Readonly<Record<Weekday, number>>;
    /** Relative request volume per hour of UK local time, Monday–Friday and at weekends. */
    readonly requestHourWeights: { readonly weekday: readonly number[]; readonly weekend: readonly number[] };
    /** Spread of practice list sizes: sigma of a log-normal weight per practice. */
    readonly practiceSizeSigma: number;
    /** A few practices register far more patients (GP at Hand made ~7,600 requests in 4 months). */
    readonly largePracticeShare: number;
    readonly largePracticeFactor: number;
  };
  readonly organisations: {
    /** Counts at national scale; smaller universes scale them down in proportion (at least one ICB per region). */
    readonly national: { readonly practices: number; readonly sicbls: number; readonly icbs: number };
    /** National shares of practices by clinical system supplier. */
    readonly supplierShares: Readonly<Record<Supplier, number>>;
    /**
     * How strongly SystmOne (TPP) clusters by Sub-ICB location: each SICBL's TPP share among its EMIS and TPP
     * practices is sigmoid(c + spread × z), z evenly spaced over [-1, 1] across SICBLs and c chosen so that the
     * national share stays as configured. 0 mixes suppliers evenly; 5 makes most SICBLs predominantly one system,
     * as practices of one former PCT or CCG usually are.
     */
    readonly tppClusteringLogitSpread: number;
    /** Practices with two ASIDs (e.g. a second system registration). */
    readonly secondAsidShare: number;
    /** ASIDs seen in messages but absent from every reference file, per 1,000 practices (at least 2). */
    readonly unknownAsidsPerThousandPractices: number;
    /** Practices listed in a month's metadata but in no SICBL's practice list (at least one a month). */
    readonly practicesWithoutSicblShare: number;
  };
  /**
   * Practice churn at each month boundary after the first month of a run (churn.ts): monthly probabilities per
   * practice listed the month before. A closure's ASIDs leave the reference data and its patients register
   * elsewhere; a merger moves the absorbed practice's ASIDs to the surviving practice's ODS code; a move changes
   * the Sub-ICB location within the ICB; an opening brings a new ODS code and new ASIDs.
   */
  readonly churn: {
    readonly closurePerMonth: number;
    readonly mergerPerMonth: number;
    readonly movePerMonth: number;
    readonly openingPerMonth: number;
    /**
     * Each kind of change happens at least this often at every month boundary (where the universe allows it), so a
     * demo set of a few hundred practices shows all of them; at national scale the rates above dominate.
     */
    readonly minimumEventsPerMonth: number;
  };
  readonly pathways: {
    /** Patients mostly move locally: share of transfers whose sending practice is in the requester's SICBL … */
    readonly sameSicblSenderShare: number;
    /** … or anywhere in its ICB; the rest come from anywhere in England. */
    readonly sameIcbSenderShare: number;
    /**
     * SystmOne-to-SystmOne moves mostly bypass GP2GP (322 of 1.34 M transfers): of the patient moves drawn between
     * two TPP practices, only this share is a GP2GP transfer; the others are not transfers and are drawn again.
     */
    readonly tppToTppKeepShare: number;
    /** When a practice has two ASIDs, share of its messages sent from the second one. */
    readonly secondAsidUseShare: number;
    /** Share of conversations with one party's ASID unknown to the reference data. */
    readonly unknownAsidShare: number;
  };
  /** Relative frequency of each scenario; see scenarios.ts for what each one sends and its intended outcome. */
  readonly scenarioWeights: Readonly<Record<ScenarioId, number>>;
  readonly errorCodes: {
    /** Codes on the request acknowledgement that are fatal (spec §5.4), by relative frequency. */
    readonly fatalSender: Readonly<Record<number, number>>;
    /** Non-fatal request acknowledgement errors (e.g. 19 unauthorised requester, 20 Spine error). */
    readonly nonFatalSender: Readonly<Record<number, number>>;
    /** Codes on the core EHR acknowledgement that end the transfer (spec §5.4 "final errors"). */
    readonly finalError: Readonly<Record<number, number>>;
    /** Codes on COPC fragment acknowledgements (intermediate errors). */
    readonly copcFragment: Readonly<Record<number, number>>;
  };
  readonly modifiers: {
    /** Share of transferred records sent as large messages (COPC continue + fragments). */
    readonly largeMessageShare: number;
    /**
     * COPC fragments per large message (log-normal, clamped to [min, max]). Heavy-tailed: records with hundreds of
     * attachments dominate the row count. The defaults give ≈ 27 rows per transfer (≈ 80 M rows a year at national
     * volume), in line with the ≈ 14 acknowledged messages per transfer of the sandbox's 4-month count (spec §8.3:
     * 6–7 M rows a month nationally).
     */
    readonly fragments: Percentiles & { readonly min: number; readonly max: number };
    /** Share of conversations whose core EHR is RCMR_IN030000UK07 (with redactions) rather than UK06. */
    readonly ehrUk07Share: number;
    /** Share of conversations carrying an RCMR_IN010000UK08 message, an interaction the classifier ignores. */
    readonly unknownInteractionShare: number;
    /** Share of conversations with an acknowledgement whose messageRef matches no message. */
    readonly ackOfUnknownGuidShare: number;
    /** Share of not-integrated transfers that had a duplicate EHR acknowledged only with 12 (spec S24). */
    readonly duplicateOnlyShareOfNotIntegrated: number;
    /** Share of fatal-sender-error conversations where the sender still sent the EHR (spec S09). */
    readonly ehrAfterFatalErrorShare: number;
    /** Share of sender-error conversations with a positive acknowledgement before the error one ({NONE, 20}). */
    readonly positiveAckBeforeSenderErrorShare: number;
  };
  readonly timing: {
    /** Request → sender's acknowledgement of it. */
    readonly requestAckSeconds: Percentiles;
    /**
     * Request acknowledgement → core EHR. With the acknowledgement's own delay this makes request → core EHR
     * median ≈ 15 s and 90th percentile ≈ 86 s, as measured in the sandbox (PRMT-2124).
     */
    readonly coreEhrSeconds: Percentiles;
    /**
     * Share of core EHRs delayed (sender backlog, manual send), log-uniform from 45 minutes up to the maximum:
     * 96.1 % of core EHRs arrive within 45 minutes of the request (PRMT-2124).
     */
    readonly coreEhrDelayedShare: number;
    readonly coreEhrDelayedMaxSeconds: number;
    /** Core EHR → COPC continue, and the gaps between fragments and to their acknowledgements. */
    readonly copcContinueSeconds: Percentiles;
    readonly fragmentGapSeconds: Percentiles;
    readonly fragmentAckSeconds: Percentiles;
    /** Of transfers integrated on time, the share integrated within 3 days of the core EHR (the rest in 3–8 days). */
    readonly integratedWithin3DaysShare: number;
    /** Core EHR → integration acknowledgement for the within-3-days band (truncated at 3 days). */
    readonly integrationSeconds: Percentiles;
    /** Share of integrations done by staff in working hours (the rest are automatic or out-of-hours). */
    readonly integrationInWorkingHoursShare: number;
    /** Late integrations: 8 days after the core EHR up to this many days after the request (visible at 14 days). */
    readonly lateIntegrationMaxDays: number;
    /** Integrations after the 14-day cutoff: this many days beyond it at most. */
    readonly afterCutoffMaxDays: number;
    /** Core EHR → its error acknowledgement, and → a re-sent copy of the EHR. */
    readonly finalErrorSeconds: Percentiles;
    readonly duplicateEhrResendSeconds: Percentiles;
    /** How far before the request a clock-skewed message is stamped, at most. */
    readonly clockSkewMaxSeconds: number;
  };
  readonly timeFormats: {
    /** Share of rows with `_time` as `…T09:00:00.123+0000`. */
    readonly isoOffsetShare: number;
    /** Share of rows during British summer time labelled `BST` (local time) instead of `UTC`. */
    readonly bstLabelShare: number;
  };
  /** gzip level of the written files (1 fast … 9 small); any level is deterministic. */
  readonly gzipLevel: number;
}

export const DEFAULT_GENERATOR_CONFIG: GeneratorConfig = {
  volume: {
    transfersPerPracticePerMonth: 40,
    weekdayShares: { Mon: 0.186, Tue: 0.224, Wed: 0.211, Thu: 0.195, Fri: 0.166, Sat: 0.013, Sun: 0.005 },
    requestHourWeights: {
      // 00 … 23 UK local time: a working day with a lunchtime dip and a tail into the evening.
      weekday: [0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1.5, 6, 10, 11, 11, 9, 9, 10, 10, 9, 6, 3, 1.5, 1, 0.6, 0.3, 0.2],
      weekend: [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 3, 5, 6, 6, 5, 4, 4, 4, 3, 2, 1.5, 1, 1, 0.6, 0.4, 0.3],
    },
    practiceSizeSigma: 0.55,
    largePracticeShare: 0.002,
    largePracticeFactor: 15,
  },
  organisations: {
    national: { practices: 6300, sicbls: 106, icbs: 42 },
    // Approximate shares of practices in England around 2021, with TPP clustered by SICBL (spread 5), chosen so that
    // the supplier pathways of Sep 2020 – Feb 2021 come out close (EMIS/EMIS ≈ 58 %, TPP/EMIS ≈ 18 %, EMIS/TPP ≈ 18 %,
    // EMIS/Vision and Vision/EMIS ≈ 1.3 % each; see calibration.ts).
    supplierShares: { EMIS: 0.59, TPP: 0.385, Vision: 0.017, Microtest: 0.008 },
    tppClusteringLogitSpread: 5,
    secondAsidShare: 0.12,
    unknownAsidsPerThousandPractices: 5,
    practicesWithoutSicblShare: 0.004,
  },
  // England had 8,106 practices in April 2013, 7,254 in January 2018, 6,495 in June 2022 and 6,229 in July 2025
  // (NHS Digital "Patients Registered at a GP Practice", as quoted by GPonline, June 2022, and the RCGP, 2025): a net
  // loss of about 2 % of practices a year, most of it mergers. NHS Digital's special topic of July 2017 counted 202
  // practices closed or merged and 8 opened in the year to June 2017 (≈ 2.7 % and 0.1 % of ≈ 7,500); HSJ counted
  // 94 openings in 2010–2015 (≈ 19 a year). Here: mergers 1.6 % a year, closures 0.5 %, openings 0.15 %, i.e. a
  // net loss of ≈ 2 % a year; at 6,300 practices ≈ 8 mergers, 2–3 closures and 1 opening a month. Moves between
  // Sub-ICB locations are ODS relationship changes (boundary reviews, such as July 2022's): no count is
  // published, so ≈ 0.6 % a year, ≈ 3 a month nationally.
  churn: {
    closurePerMonth: 0.0004,
    mergerPerMonth: 0.0013,
    movePerMonth: 0.0005,
    openingPerMonth: 0.000125,
    minimumEventsPerMonth: 1,
  },
  pathways: {
    sameSicblSenderShare: 0.6,
    sameIcbSenderShare: 0.25,
    tppToTppKeepShare: 0.0005,
    secondAsidUseShare: 0.3,
    unknownAsidShare: 0.004,
  },
  // Calibrated to the 14-day figures of May–July 2021 (on time ≈ 87.8 %, process ≈ 7.8 %, technical ≈ 4.3 %,
  // unclassified ≈ 0.2 %), with the rare paths raised just enough that a few weeks of a few hundred practices
  // shows each of them several times.
  scenarioWeights: {
    integrated_on_time: 0.8431,
    integrated_on_time_suppressed: 0.02,
    integrated_without_request_ack: 0.002,
    duplicate_ehr_integrated: 0.006,
    conflicting_acks_integrated: 0.0015,
    resent_request_integrated: 0.0015,
    integrated_late: 0.045,
    integrated_after_cutoff: 0.006,
    transferred_not_integrated: 0.027,
    final_error: 0.012,
    request_not_acknowledged: 0.006,
    core_extract_not_sent: 0.01,
    core_extract_not_sent_sender_error: 0.004,
    fatal_sender_error: 0.01,
    copc_not_sent: 0.0018,
    copc_not_acknowledged: 0.0018,
    copc_error: 0.0015,
    ambiguous_copc: 0.0015,
    sender_error_then_ehr: 0.0015,
    clock_skew_discarded: 0.0015,
  },
  errorCodes: {
    fatalSender: { 6: 0.11, 7: 0.11, 10: 0.14, 14: 0.1, 23: 0.1, 24: 0.16, 30: 0.14, 99: 0.14 },
    nonFatalSender: { 19: 0.5, 20: 0.4, 13: 0.05, 18: 0.05 },
    finalError: { 11: 0.4, 28: 0.1, 29: 0.15, 31: 0.2, 17: 0.05, 21: 0.05, 26: 0.05 },
    copcFragment: { 29: 0.4, 25: 0.3, 30: 0.2, 31: 0.1 },
  },
  modifiers: {
    largeMessageShare: 0.08,
    fragments: { median: 48, p90: 360, min: 2, max: 1000 },
    ehrUk07Share: 0.1,
    unknownInteractionShare: 0.005,
    ackOfUnknownGuidShare: 0.005,
    duplicateOnlyShareOfNotIntegrated: 0.1,
    ehrAfterFatalErrorShare: 0.05,
    positiveAckBeforeSenderErrorShare: 0.2,
  },
  timing: {
    requestAckSeconds: { median: 2, p90: 8 },
    coreEhrSeconds: { median: 10.5, p90: 60 },
    coreEhrDelayedShare: 0.041,
    coreEhrDelayedMaxSeconds: 4 * 24 * 3600,
    copcContinueSeconds: { median: 5, p90: 30 },
    fragmentGapSeconds: { median: 1, p90: 6 },
    fragmentAckSeconds: { median: 1, p90: 6 },
    integratedWithin3DaysShare: 0.86,
    integrationSeconds: { median: 4 * 3600, p90: 40 * 3600 },
    integrationInWorkingHoursShare: 0.85,
    lateIntegrationMaxDays: 13.5,
    afterCutoffMaxDays: 10,
    finalErrorSeconds: { median: 3600, p90: 24 * 3600 },
    duplicateEhrResendSeconds: { median: 2 * 3600, p90: 36 * 3600 },
    clockSkewMaxSeconds: 5,
  },
  timeFormats: {
    isoOffsetShare: 0.02,
    bstLabelShare: 0.05,
  },
  gzipLevel: 6,
};

/** Throws a clear error for a configuration that cannot be sampled. */
export function validateConfig(config: GeneratorConfig): void {
  const problems: string[] = [];
  const share = (name: string, value: number) => {
    if (!(value >= 0 && value <= 1)) problems.push(`${name} must be a share between 0 and 1, got ${value}`);
  };
  const weights = (name: string, record: Readonly<Record<string | number, number>>) => {
    const values = Object.values(record);
    if (values.length === 0 || values.some((w) => !(w >= 0)) || values.every((w) => w === 0)) {
      problems.push(`${name} needs non-negative weights with at least one positive`);
    }
  };
  if (!(config.volume.transfersPerPracticePerMonth >= 0)) problems.push("volume.transfersPerPracticePerMonth must be ≥ 0");
  weights("volume.weekdayShares", config.volume.weekdayShares);
  for (const kind of ["weekday", "weekend"] as const) {
    if (config.volume.requestHourWeights[kind].length !== 24) problems.push(`volume.requestHourWeights.${kind} needs 24 values`);
  }
  weights("organisations.supplierShares", config.organisations.supplierShares);
  weights("scenarioWeights", config.scenarioWeights);
  for (const id of SCENARIO_IDS) if (!(id in config.scenarioWeights)) problems.push(`scenarioWeights.${id} is missing`);
  for (const [name, record] of Object.entries(config.errorCodes)) weights(`errorCodes.${name}`, record);
  share("organisations.secondAsidShare", config.organisations.secondAsidShare);
  share("organisations.practicesWithoutSicblShare", config.organisations.practicesWithoutSicblShare);
  for (const [name, value] of Object.entries(config.churn)) {
    if (name === "minimumEventsPerMonth") {
      if (!(Number.isInteger(value) && value >= 0)) problems.push("churn.minimumEventsPerMonth must be a whole number ≥ 0");
    } else if (!(value >= 0 && value <= 0.05)) problems.push(`churn.${name} must be a monthly share between 0 and 0.05, got ${value}`);
  }
  for (const [name, value] of Object.entries(config.pathways)) share(`pathways.${name}`, value);
  if (config.pathways.sameSicblSenderShare + config.pathways.sameIcbSenderShare > 1) {
    problems.push("pathways.sameSicblSenderShare + pathways.sameIcbSenderShare must be at most 1");
  }
  if (!(config.organisations.tppClusteringLogitSpread >= 0 && config.organisations.tppClusteringLogitSpread <= 20)) {
    problems.push("organisations.tppClusteringLogitSpread must be between 0 and 20");
  }
  for (const [name, value] of Object.entries(config.modifiers)) if (typeof value === "number") share(`modifiers.${name}`, value);
  share("timing.coreEhrDelayedShare", config.timing.coreEhrDelayedShare);
  share("timing.integratedWithin3DaysShare", config.timing.integratedWithin3DaysShare);
  share("timing.integrationInWorkingHoursShare", config.timing.integrationInWorkingHoursShare);
  share("timeFormats.isoOffsetShare", config.timeFormats.isoOffsetShare);
  share("timeFormats.bstLabelShare", config.timeFormats.bstLabelShare);
  if (config.timing.lateIntegrationMaxDays <= 8.1 || config.timing.lateIntegrationMaxDays > 13.9) {
    problems.push("timing.lateIntegrationMaxDays must be in (8.1, 13.9] so late integrations stay visible at the 14-day cutoff");
  }
  if (config.timing.coreEhrDelayedMaxSeconds > 4 * 24 * 3600) {
    problems.push("timing.coreEhrDelayedMaxSeconds must be at most 4 days so on-time integrations stay inside the 14-day cutoff");
  }
  const { min, max, median, p90 } = config.modifiers.fragments;
  if (!(min >= 1 && max >= min && median > 0 && p90 >= median)) problems.push("modifiers.fragments needs 1 ≤ min ≤ max and 0 < median ≤ p90");
  if (!(Number.isInteger(config.gzipLevel) && config.gzipLevel >= 1 && config.gzipLevel <= 9)) problems.push("gzipLevel must be 1…9");
  if (problems.length > 0) throw new Error(`Invalid generator configuration:\n- ${problems.join("\n- ")}`);
}

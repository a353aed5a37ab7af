/**
 * How long each step of a transfer takes. Scenario builders ask this model for the time of the next message;
 * every distribution comes from the configuration (config.ts `timing`), so calibration lives in one place.
 *
 * Two invariants the scenarios rely on:
 * - each step is at least 1 ms after the one it follows, so causally ordered messages never share a timestamp
 *   (the classifier's ordering would then depend on row order, and acknowledgements could precede their message);
 * - integrations meant to be visible at the 14-day cutoff stay inside it (see `lateIntegration`, and the 4-day cap
 *   on delayed core EHRs enforced in config.ts).
 */
import { DAY_MS, MINUTE_MS, SECOND_MS, HOUR_MS, nextWorkingMoment } from "./calendar";
import type { GeneratorConfig } from "./config";
import type { Percentiles, Random } from "./random";

/** Bands of core-EHR-to-integration time used by the metrics (spec §5.3). */
export type OnTimeBand = "within3Days" | "within8Days";

const THREE_DAYS_MS = 3 * DAY_MS;
const EIGHT_DAYS_MS = 8 * DAY_MS;
const CUTOFF_MS = 14 * DAY_MS;

export class Timing {
  constructor(
    private readonly rng: Random,
    private readonly config: GeneratorConfig["timing"],
  ) {}

  /** `t` plus `seconds`, at least 1 ms later. */
  after(t: number, seconds: number): number {
    return t + Math.max(1, Math.round(seconds * SECOND_MS));
  }

  /** `t` plus a log-normal delay, capped so one slow draw cannot push a message out of its scenario's window. */
  private step(t: number, p: Percentiles, capSeconds: number): number {
    return this.after(t, Math.min(this.rng.fromPercentiles(p), capSeconds));
  }

  requestAck(requestTime: number): number {
    return this.step(requestTime, this.config.requestAckSeconds, 3600);
  }

  /**
   * The core EHR after the request acknowledgement: seconds usually, sometimes (sender backlog, manual send)
   * between 45 minutes and a few days. `allowDelay: false` for scenarios that need the rest of the 14 days.
   */
  coreEhr(t: number, allowDelay = true): number {
    if (allowDelay && this.rng.chance(this.config.coreEhrDelayedShare)) {
      return this.after(t, this.rng.logUniform(45 * 60, this.config.coreEhrDelayedMaxSeconds));
    }
    return this.step(t, this.config.coreEhrSeconds, 45 * 60);
  }

  copcContinue(ehrTime: number): number {
    return this.step(ehrTime, this.config.copcContinueSeconds, 3600);
  }

  fragment(previous: number): number {
    return this.step(previous, this.config.fragmentGapSeconds, 1800);
  }

  fragmentAck(fragmentTime: number): number {
    return this.step(fragmentTime, this.config.fragmentAckSeconds, 600);
  }

  /** Automatic acknowledgements (duplicate 12s) come back about as fast as fragment acknowledgements. */
  automaticAck(messageTime: number): number {
    return this.fragmentAck(messageTime);
  }

  onTimeBand(): OnTimeBand {
    return this.rng.chance(this.config.integratedWithin3DaysShare) ? "within3Days" : "within8Days";
  }

  /**
   * When the requester files the record, for an on-time integration in `band`, measured from the core EHR as the
   * SLA clock is (Decision 8), and never before `earliest` (the last large-message fragment). Most filing happens
   * in working hours; the shift is skipped when it would leave the band.
   */
  integration(ehrTime: number, earliest: number, band: OnTimeBand): number {
    const bandMax = band === "within3Days" ? THREE_DAYS_MS : EIGHT_DAYS_MS - MINUTE_MS;
    const delay =
      band === "within3Days"
        ? Math.min(this.rng.fromPercentiles(this.config.integrationSeconds) * SECOND_MS, THREE_DAYS_MS - SECOND_MS)
        : this.rng.uniform(THREE_DAYS_MS + SECOND_MS, EIGHT_DAYS_MS - MINUTE_MS);
    let time = Math.max(ehrTime + Math.round(delay), this.after(earliest, this.rng.uniform(1, 60)));
    if (this.rng.chance(this.config.integrationInWorkingHoursShare)) {
      const shifted = nextWorkingMoment(time, () => this.rng.uniform(0, 150));
      if (shifted - ehrTime <= bandMax) time = shifted;
    }
    return time;
  }

  /** A late integration: more than 8 days after the core EHR, yet inside the 14-day cutoff of the request. */
  lateIntegration(requestTime: number, ehrTime: number, earliest: number): number {
    const lower = Math.max(ehrTime + EIGHT_DAYS_MS + MINUTE_MS, earliest + SECOND_MS);
    const upper = requestTime + Math.round(this.config.lateIntegrationMaxDays * DAY_MS);
    if (upper <= lower) throw new Error("A late integration needs a prompt core EHR: use coreEhr(t, false)");
    return Math.round(this.rng.uniform(lower, upper));
  }

  /** An integration the 14-day classification cannot see. */
  afterCutoff(requestTime: number): number {
    return requestTime + CUTOFF_MS + Math.round(this.rng.uniform(HOUR_MS, this.config.afterCutoffMaxDays * DAY_MS));
  }

  finalError(t: number): number {
    return this.step(t, this.config.finalErrorSeconds, 3 * 24 * 3600);
  }

  duplicateResend(t: number): number {
    return this.step(t, this.config.duplicateEhrResendSeconds, 3 * 24 * 3600);
  }

  /** A timestamp a little before `requestTime`, as a sender's clock running behind would stamp its ack. */
  skewedBefore(requestTime: number): number {
    return requestTime - Math.round(this.rng.uniform(0.2, this.config.clockSkewMaxSeconds) * SECOND_MS);
  }

  /** A moment inside a conversation's first minutes, for stray messages that do not change its outcome. */
  shortlyAfter(t: number): number {
    return this.after(t, this.rng.uniform(1, 120));
  }
}

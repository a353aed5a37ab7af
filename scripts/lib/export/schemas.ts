/**
 * The published metrics files in the v12 shapes of spec §6.4, as zod schemas: `YYYY-M-practiceMetrics.json` and
 * `YYYY-M-nationalMetrics.json`. The export validates every document against them before writing, and tests parse
 * the written files with them. Strict: no key beyond the published ones; counts whole and non-negative;
 * percentages 0-100 or null; the §6.2 and §6.3 identities hold.
 */
import { z } from "zod";

/** `generatedOn`: ISO 8601 UTC with microseconds and +00:00, e.g. 2020-02-24T16:51:21.353977+00:00. */
export const generatedOnSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/, "must be ISO 8601 with microseconds and +00:00");

const count = z.number().int().nonnegative();
const percent = z.number().min(0).max(100).nullable();
const year = z.number().int().min(1970).max(9999);
const month = z.number().int().min(1).max(12);

export const requestedTransfersSchema = z
  .strictObject({
    requestedCount: count,
    receivedCount: count,
    receivedPercentOfRequested: percent,
    integratedWithin3DaysCount: count,
    integratedWithin3DaysPercentOfReceived: percent,
    integratedWithin8DaysCount: count,
    integratedWithin8DaysPercentOfReceived: percent,
    notIntegratedWithin8DaysTotal: count,
    notIntegratedWithin8DaysPercentOfReceived: percent,
    failuresTotalCount: count,
    failuresTotalPercentOfRequested: percent,
  })
  .superRefine((m, ctx) => {
    if (m.requestedCount !== m.receivedCount + m.failuresTotalCount) {
      ctx.addIssue({ code: "custom", message: "requestedCount must equal receivedCount + failuresTotalCount" });
    }
    if (m.receivedCount !== m.integratedWithin3DaysCount + m.integratedWithin8DaysCount + m.notIntegratedWithin8DaysTotal) {
      ctx.addIssue({ code: "custom", message: "receivedCount must equal integratedWithin3DaysCount + integratedWithin8DaysCount + notIntegratedWithin8DaysTotal" });
    }
    const nullWhenZero: [number, number | null, string][] = [
      [m.requestedCount, m.receivedPercentOfRequested, "receivedPercentOfRequested"],
      [m.receivedCount, m.integratedWithin3DaysPercentOfReceived, "integratedWithin3DaysPercentOfReceived"],
      [m.receivedCount, m.integratedWithin8DaysPercentOfReceived, "integratedWithin8DaysPercentOfReceived"],
      [m.receivedCount, m.notIntegratedWithin8DaysPercentOfReceived, "notIntegratedWithin8DaysPercentOfReceived"],
      [m.requestedCount, m.failuresTotalPercentOfRequested, "failuresTotalPercentOfRequested"],
    ];
    for (const [denominator, value, name] of nullWhenZero) {
      if ((denominator === 0) !== (value === null)) ctx.addIssue({ code: "custom", path: [name], message: `${name} must be null exactly when its denominator is 0` });
    }
  });

export const practiceMonthSchema = z.strictObject({ year, month, requestedTransfers: requestedTransfersSchema });

export const practiceSchema = z.strictObject({
  odsCode: z.string().min(1),
  name: z.string().nullable(),
  sicblOdsCode: z.string().min(1),
  sicblName: z.string().nullable(),
  metrics: z.array(practiceMonthSchema).min(1),
});

export const sicblSchema = z.strictObject({
  odsCode: z.string().min(1),
  name: z.string().nullable(),
  practices: z.array(z.string().min(1)).min(1),
});

export const practiceMetricsDocumentSchema = z
  .strictObject({
    generatedOn: generatedOnSchema,
    practices: z.array(practiceSchema),
    sicbls: z.array(sicblSchema),
  })
  .superRefine((doc, ctx) => {
    const months = (p: z.infer<typeof practiceSchema>) => p.metrics.map((m) => `${m.year}-${m.month}`).join(",");
    const first = doc.practices[0];
    const seen = new Map<string, string>();
    for (const [i, practice] of doc.practices.entries()) {
      if (seen.has(practice.odsCode)) ctx.addIssue({ code: "custom", path: ["practices", i], message: `practice ${practice.odsCode} is listed twice` });
      seen.set(practice.odsCode, practice.sicblOdsCode);
      if (first && months(practice) !== months(first)) ctx.addIssue({ code: "custom", path: ["practices", i], message: `practice ${practice.odsCode} has different metric months from the first practice` });
    }
    const listed = new Set<string>();
    for (const [i, sicbl] of doc.sicbls.entries()) {
      for (const ods of sicbl.practices) {
        if (seen.get(ods) !== sicbl.odsCode) ctx.addIssue({ code: "custom", path: ["sicbls", i], message: `SICBL ${sicbl.odsCode} lists ${ods}, which is not one of its practices` });
        listed.add(ods);
      }
    }
    for (const ods of seen.keys()) if (!listed.has(ods)) ctx.addIssue({ code: "custom", path: ["sicbls"], message: `practice ${ods} is in no SICBL's list` });
  });

const transferShare = z.strictObject({ transferCount: count, transferPercentage: percent });

export const nationalMonthSchema = z
  .strictObject({
    year,
    month,
    transferCount: count,
    integratedOnTime: transferShare,
    paperFallback: z.strictObject({
      transferCount: count,
      transferPercentage: percent,
      technicalFailure: transferShare,
      processFailure: z.strictObject({ integratedLate: transferShare, transferredNotIntegrated: transferShare }),
      unclassifiedFailure: transferShare,
    }),
  })
  .superRefine((m, ctx) => {
    const p = m.paperFallback;
    if (m.transferCount !== m.integratedOnTime.transferCount + p.transferCount) {
      ctx.addIssue({ code: "custom", message: "transferCount must equal integratedOnTime + paperFallback" });
    }
    const parts = p.technicalFailure.transferCount + p.processFailure.integratedLate.transferCount + p.processFailure.transferredNotIntegrated.transferCount + p.unclassifiedFailure.transferCount;
    if (p.transferCount !== parts) ctx.addIssue({ code: "custom", message: "paperFallback must equal technical + process (late + not integrated) + unclassified failures" });
  });

export const nationalMetricsDocumentSchema = z.strictObject({
  generatedOn: generatedOnSchema,
  metrics: z.array(nationalMonthSchema).length(1),
});

export type RequestedTransfers = z.infer<typeof requestedTransfersSchema>;
export type PracticeMetricsDocument = z.infer<typeof practiceMetricsDocumentSchema>;
export type PracticeEntry = z.infer<typeof practiceSchema>;
export type NationalMonth = z.infer<typeof nationalMonthSchema>;
export type NationalMetricsDocument = z.infer<typeof nationalMetricsDocumentSchema>;

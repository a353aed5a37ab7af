/**
 * Each scenario's messages, classified by the rules of spec §4–§5 (an independent implementation in helpers.ts),
 * give the outcome the generator records for it; and the timings follow the configured distributions.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_GENERATOR_CONFIG, SCENARIO_IDS } from "../../scripts/lib/generate/config";
import { INTERACTION, type DraftMessage, type Party } from "../../scripts/lib/generate/messages";
import { Random } from "../../scripts/lib/generate/random";
import { SCENARIOS, ScenarioTables, TAG, buildConversation, outcomeLabel } from "../../scripts/lib/generate/scenarios";
import { classify, fromDraft } from "./helpers";

const requester: Party = { asid: "000111222333", system: "EMIS" };
const sender: Party = { asid: "004445556667", system: "TPP" };
const MONDAY_0900 = Date.UTC(2024, 2, 4, 9);
const tables = new ScenarioTables(DEFAULT_GENERATOR_CONFIG);

function build(scenario: (typeof SCENARIO_IDS)[number], rng: Random, i: number) {
  return buildConversation(scenario, { rng, tables, requester, sender, requestedAt: MONDAY_0900 + i * 37_000 });
}

describe("scenario builders", () => {
  it.each(SCENARIO_IDS)("%s classifies as its intended outcome", (scenario) => {
    const rng = Random.fromSeed(7).fork("scenario-test", scenario);
    for (let i = 0; i < 300; i++) {
      const conversation = build(scenario, rng, i);
      const messages = conversation.messages.map(fromDraft);
      expect(outcomeLabel(classify(messages)), `${scenario} #${i}`).toBe(outcomeLabel(SCENARIOS[scenario].outcome));
    }
  });

  it("uses the request GUID as the conversation id and upper-case UUID-shaped GUIDs", () => {
    const conversation = build("integrated_on_time", Random.fromSeed(1), 0);
    const request = conversation.messages.find((m) => m.interactionId === INTERACTION.REQUEST)!;
    expect(request.guid).toBe(conversation.conversationId);
    for (const m of conversation.messages) expect(m.guid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it("sends acknowledgements with the acknowledged GUID and NONE or a code; other messages NotProvided/NONE", () => {
    const rng = Random.fromSeed(2);
    for (const scenario of SCENARIO_IDS) {
      const conversation = build(scenario, rng, 0);
      for (const m of conversation.messages) {
        if (m.interactionId === INTERACTION.ACK) {
          expect(m.messageRef).not.toBe("NotProvided");
          expect(m.jdiEvent).toMatch(/^(NONE|\d+)$/);
        } else {
          expect([m.messageRef, m.jdiEvent]).toEqual(["NotProvided", "NONE"]);
        }
      }
    }
  });

  it("puts the core EHR about 15 s (median) and 86 s (90th percentile) after the request, 96 % within 45 minutes", () => {
    const rng = Random.fromSeed(3);
    const gaps: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const { messages } = build("integrated_on_time", rng, i);
      const request = messages.find((m) => m.interactionId === INTERACTION.REQUEST)!;
      const ack = messages.find((m) => m.interactionId === INTERACTION.ACK && m.messageRef === request.guid)!;
      const ehr = messages.find((m) => m.interactionId === INTERACTION.CORE_EHR || m.interactionId === INTERACTION.CORE_EHR_REDACTED)!;
      expect(ack.time).toBeLessThan(ehr.time);
      gaps.push((ehr.time - request.time) / 1000);
    }
    gaps.sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length * 0.5)]).toBeGreaterThan(12);
    expect(gaps[Math.floor(gaps.length * 0.5)]).toBeLessThan(18);
    expect(gaps[Math.floor(gaps.length * 0.9)]).toBeGreaterThan(70);
    expect(gaps[Math.floor(gaps.length * 0.9)]).toBeLessThan(105);
    // 96.1 % of core EHRs arrive within 45 minutes (spec §8.2).
    const within = gaps.filter((g) => g <= 45 * 60).length / gaps.length;
    expect(within).toBeGreaterThan(0.945);
    expect(within).toBeLessThan(0.975);
  });

  it("integrates on-time transfers mostly within 3 days, some in 3–8 days", () => {
    const rng = Random.fromSeed(4);
    const bands = { within3: 0, within8: 0 };
    for (let i = 0; i < 2000; i++) {
      const { messages } = build("integrated_on_time", rng, i);
      const ehr = messages.find((m) => m.interactionId === INTERACTION.CORE_EHR || m.interactionId === INTERACTION.CORE_EHR_REDACTED)!;
      const final = messages.find((m) => m.interactionId === INTERACTION.ACK && m.messageRef === ehr.guid)!;
      if (final.time - ehr.time <= 3 * 86_400_000) bands.within3++;
      else bands.within8++;
    }
    expect(bands.within3 / 2000).toBeGreaterThan(0.8);
    expect(bands.within8 / 2000).toBeGreaterThan(0.08);
  });

  it("sends large messages as a COPC continue from the requester then fragments from the sender, each acknowledged", () => {
    const rng = Random.fromSeed(5);
    let large = 0;
    for (let i = 0; i < 1500; i++) {
      const conversation = build("integrated_on_time", rng, i);
      if (!conversation.tags.includes(TAG.LARGE_MESSAGE)) continue;
      large++;
      const copc = conversation.messages.filter((m) => m.interactionId === INTERACTION.COPC);
      expect(copc[0].from).toBe(requester);
      const fragments = copc.slice(1);
      expect(fragments.length).toBeGreaterThanOrEqual(DEFAULT_GENERATOR_CONFIG.modifiers.fragments.min);
      const acksByRef = new Map<string, DraftMessage[]>();
      for (const m of conversation.messages) {
        if (m.interactionId === INTERACTION.ACK) acksByRef.set(m.messageRef, [...(acksByRef.get(m.messageRef) ?? []), m]);
      }
      const faults = fragments.flatMap((f) => {
        const acks = acksByRef.get(f.guid) ?? [];
        if (f.from !== sender) return [`fragment ${f.guid} not from the sender`];
        if (acks.length !== 1 || acks[0].from !== requester || acks[0].time <= f.time) return [`fragment ${f.guid} not acknowledged once, later, by the requester`];
        return [];
      });
      expect(faults).toEqual([]);
    }
    expect(large / 1500).toBeGreaterThan(0.05);
    expect(large / 1500).toBeLessThan(0.11);
  });
});

/**
 * Spine messages as the generator builds them, and a small builder that writes one conversation's messages with
 * the field conventions of the Spine export (spec §2.1, §3): who sends what to whom, `NotProvided`/`NONE` on
 * non-acknowledgements, the request's GUID doubling as the conversation id.
 */
import { INTERACTION_PREFIX } from "../../../includes/constants";
import type { Random } from "./random";

/** One end of a conversation: an ASID and the supplier name Spine reports for it. */
export interface Party {
  readonly asid: string;
  /** "EMIS", "TPP", "Vision", "Microtest"; "Unknown" or "" for ASIDs Spine cannot attribute. */
  readonly system: string;
}

export const INTERACTION = {
  REQUEST: `${INTERACTION_PREFIX}RCMR_IN010000UK05`,
  CORE_EHR: `${INTERACTION_PREFIX}RCMR_IN030000UK06`,
  CORE_EHR_REDACTED: `${INTERACTION_PREFIX}RCMR_IN030000UK07`,
  ACK: `${INTERACTION_PREFIX}MCCI_IN010000UK13`,
  COPC: `${INTERACTION_PREFIX}COPC_IN000001UK01`,
  /** Not one of the five the classifier knows: it must be ignored (spec §8.1 "Unknown interaction IDs"). */
  UNKNOWN: `${INTERACTION_PREFIX}RCMR_IN010000UK08`,
} as const;

export const NOT_PROVIDED = "NotProvided";
export const NO_ERROR = "NONE";

/** A message of one conversation; `time` is epoch milliseconds (UTC). */
export interface DraftMessage {
  readonly time: number;
  readonly conversationId: string;
  readonly guid: string;
  readonly interactionId: string;
  readonly from: Party;
  readonly to: Party;
  readonly messageRef: string;
  readonly jdiEvent: string;
}

/** The two practices of a transfer: the requester (the patient's new practice) and the sender (the previous one). */
export type Role = "requester" | "sender";

export class ConversationBuilder {
  readonly conversationId: string;
  readonly messages: DraftMessage[] = [];

  constructor(
    private readonly rng: Random,
    readonly requester: Party,
    readonly sender: Party,
  ) {
    this.conversationId = rng.guid();
  }

  private add(time: number, guid: string, interactionId: string, by: Role, messageRef = NOT_PROVIDED, jdiEvent = NO_ERROR): DraftMessage {
    const [from, to] = by === "requester" ? [this.requester, this.sender] : [this.sender, this.requester];
    const message: DraftMessage = { time: Math.round(time), conversationId: this.conversationId, guid, interactionId, from, to, messageRef, jdiEvent };
    this.messages.push(message);
    return message;
  }

  /** The EHR request; its GUID is the conversation id, as real GP2GP systems send it. */
  request(time: number): DraftMessage {
    return this.add(time, this.conversationId, INTERACTION.REQUEST, "requester");
  }

  /** The same request logged again with the same GUID (a re-sent non-acknowledgement row). */
  resend(message: DraftMessage, time: number): DraftMessage {
    const by: Role = message.from === this.requester ? "requester" : "sender";
    return this.add(time, message.guid, message.interactionId, by, message.messageRef, message.jdiEvent);
  }

  /** An application acknowledgement of `ref` (a message or a bare GUID); `code` null is a positive ack. */
  ack(by: Role, ref: DraftMessage | string, time: number, code: number | null): DraftMessage {
    const messageRef = typeof ref === "string" ? ref : ref.guid;
    return this.add(time, this.rng.guid(), INTERACTION.ACK, by, messageRef, code === null ? NO_ERROR : String(code));
  }

  coreEhr(time: number, interactionId: string): DraftMessage {
    return this.add(time, this.rng.guid(), interactionId, "sender");
  }

  /** From the requester this is the "COPC continue"; from the sender, a large-message fragment. */
  copc(by: Role, time: number): DraftMessage {
    return this.add(time, this.rng.guid(), INTERACTION.COPC, by);
  }

  unknownInteraction(by: Role, time: number): DraftMessage {
    return this.add(time, this.rng.guid(), INTERACTION.UNKNOWN, by);
  }
}

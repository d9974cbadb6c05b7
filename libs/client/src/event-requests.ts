import type { ClientMsgId, DeleteMessageData, EditMessageData, ErrorData, EventAckData, ReactionRequestData } from '@parley/protocol';

import { ParleyError } from './errors.js';
import { deferred, type Deferred } from './waiters.js';

/** An edit, delete or reaction a room asks for: the frame's type and data, less the `client_msg_id`. */
export type EventAction =
  | { readonly type: 'edit_message'; readonly data: Omit<EditMessageData, 'client_msg_id'> }
  | { readonly type: 'delete_message'; readonly data: Omit<DeleteMessageData, 'client_msg_id'> }
  | { readonly type: 'add_reaction' | 'remove_reaction'; readonly data: Omit<ReactionRequestData, 'client_msg_id'> };

/** A durable-event frame as sent: with the `client_msg_id` it keeps across reconnects. */
export type EventRequest = EventAction extends infer A
  ? A extends { type: infer T; data: infer D }
    ? { readonly type: T; readonly data: D & { readonly client_msg_id: ClientMsgId } }
    : never
  : never;

/**
 * Edits, deletes and reactions waiting for their `event_ack`. Like sends, each keeps its
 * `client_msg_id` and is sent again after a reconnect until answered (the server stores it once);
 * unlike sends, they live with this client only (no outbox storage).
 */
export class EventRequests {
  readonly #pending = new Map<ClientMsgId, { request: EventRequest; waiter: Deferred<EventAckData> }>();

  add(request: EventRequest): Promise<EventAckData> {
    const { promise, deferred: waiter } = deferred<EventAckData>();
    this.#pending.set(request.data.client_msg_id, { request, waiter });
    return promise;
  }

  /** Everything not answered yet, oldest first (sent again on each new connection). */
  all(): EventRequest[] {
    return [...this.#pending.values()].map((p) => p.request);
  }

  ack(ack: EventAckData): void {
    const pending = ack.client_msg_id === null ? undefined : this.#pending.get(ack.client_msg_id);
    if (pending === undefined) return;
    this.#pending.delete(ack.client_msg_id!);
    pending.waiter.resolve(ack);
  }

  /** Rejects the request an `error` names by `details.client_msg_id`; false when it names none of these. */
  fail(error: ErrorData): boolean {
    const id = error.details?.['client_msg_id'];
    const pending = typeof id === 'string' ? this.#pending.get(id) : undefined;
    if (pending === undefined) return false;
    this.#pending.delete(id as string);
    pending.waiter.reject(ParleyError.fromServer(error));
    return true;
  }

  rejectAll(error: ParleyError): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.waiter.reject(error);
  }
}

import { MessagesPageSchema, type MessagesPage } from '@parley/protocol';

/** Reads a room's stored messages after a given seq, oldest first (the catch-up source). */
export interface HistorySource {
  /**
   * Up to `limit` messages with `seq > afterSeq`, ascending; `has_more` when more follow.
   * Rejects on any failure (unreachable, timeout, unexpected answer).
   */
  after(roomId: string, afterSeq: number, limit: number): Promise<MessagesPage>;
}

/**
 * History over the API's public REST endpoint (`GET /api/rooms/{id}/messages/?after_seq=N`):
 * the same cursor pagination clients use, validated at this edge like every other input.
 */
export function httpHistory(apiUrl: string, timeoutMs: number): HistorySource {
  const base = apiUrl.replace(/\/+$/, '');
  return {
    async after(roomId, afterSeq, limit) {
      const url = `${base}/api/rooms/${encodeURIComponent(roomId)}/messages/?after_seq=${afterSeq}&limit=${limit}`;
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`history: ${response.status} from the API for room ${roomId}`);
      return MessagesPageSchema.parse(await response.json());
    },
  };
}

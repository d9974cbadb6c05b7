import * as z from 'zod';

import { IsoDateTimeSchema, PersonIdSchema, SessionIdSchema, UserIdSchema } from './ids.js';

/**
 * REST shapes of `/api/sessions/`: create (`POST /api/sessions/`) and read
 * (`GET /api/sessions/{session_id}/`).
 */

/** A preference value: small JSON primitives only (strings ≤ 256 chars, finite numbers). */
export const PreferenceValueSchema = z.union([z.string().max(256), z.number(), z.boolean(), z.null()]);
export type PreferenceValue = z.infer<typeof PreferenceValueSchema>;

/** Most keys a preferences object may hold. */
export const MAX_PREFERENCE_KEYS = 32;
const PREFERENCE_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Client preferences, stored with the session and returned as given. The seed's three keys are
 * typed; other keys are allowed if they match `[A-Za-z0-9_-]{1,64}` and hold a primitive, at
 * most 32 keys in all (the server stores this verbatim, so it is bounded).
 */
export const PreferencesSchema = z
  .object({
    theme: z.string().min(1).max(32).optional(),
    notifications: z.boolean().optional(),
    auto_reconnect: z.boolean().optional(),
  })
  .catchall(PreferenceValueSchema)
  .superRefine((prefs, ctx) => {
    const keys = Object.keys(prefs);
    if (keys.length > MAX_PREFERENCE_KEYS) {
      const message = `At most ${MAX_PREFERENCE_KEYS} preference keys are allowed`;
      ctx.addIssue({ code: 'custom', message });
    }
    for (const key of keys) {
      if (!PREFERENCE_KEY.test(key)) {
        const message = 'Preference keys must match [A-Za-z0-9_-]{1,64}';
        ctx.addIssue({ code: 'custom', path: [key], message });
      }
    }
  });
export type Preferences = z.infer<typeof PreferencesSchema>;

/** Body of `POST /api/sessions/`: the user the session is for, and optional preferences. */
export const CreateSessionRequestSchema = z.object({
  user_id: PersonIdSchema,
  preferences: PreferencesSchema.optional(),
});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequestSchema>;

/**
 * Response of `POST /api/sessions/` (201). `websocket_url` is where to connect with this
 * session (`ws://` or `wss://`, `session_id` in the query).
 */
export const CreateSessionResponseSchema = z.object({
  session_id: SessionIdSchema,
  user_id: UserIdSchema,
  created_at: IsoDateTimeSchema,
  expires_at: IsoDateTimeSchema,
  websocket_url: z.url({ protocol: /^wss?$/ }),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponseSchema>;

/** Lifecycle of a session: `active` until `expires_at` (a fixed TTL from creation, as in the seed's example) or until it is closed. */
export const SessionStatusSchema = z.enum(['active', 'expired', 'closed']);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

/** Lifetime counters of a session (all connections together). Updated in batches, so slightly behind. */
export const SessionStatisticsSchema = z.object({
  messages_sent: z.int().nonnegative(),
  messages_received: z.int().nonnegative(),
  /** Time spent connected, summed over the session's connections, in whole seconds. */
  connection_time_seconds: z.int().nonnegative(),
});
export type SessionStatistics = z.infer<typeof SessionStatisticsSchema>;

/** Response of `GET /api/sessions/{session_id}/`. */
export const SessionResponseSchema = z.object({
  session_id: SessionIdSchema,
  user_id: UserIdSchema,
  status: SessionStatusSchema,
  created_at: IsoDateTimeSchema,
  last_activity: IsoDateTimeSchema,
  /** As stored at creation; `{}` when none were given. */
  preferences: PreferencesSchema,
  statistics: SessionStatisticsSchema,
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

/** Path parameters of `/api/sessions/{session_id}/`. A malformed id is a VALIDATION_ERROR (400). */
export const SessionParamsSchema = z.object({
  session_id: SessionIdSchema,
});
export type SessionParams = z.infer<typeof SessionParamsSchema>;

import * as z from 'zod';

/**
 * Query-string paging helpers. Query values arrive as strings, so numbers are coerced.
 */

/**
 * A page-size query parameter: coerced to a number; absent → `defaultLimit`; not an integer or
 * < 1 → validation error; > `max` → clamped to `max` (a too-large page is a request we can
 * still serve sensibly, unlike a zero or negative one).
 */
export function pageLimitSchema(defaultLimit: number, max: number) {
  return z.coerce
    .number<unknown>()
    .int()
    .min(1)
    .transform((n) => Math.min(n, max))
    .default(defaultLimit);
}

/** An offset query parameter: coerced; absent → 0; must be an integer ≥ 0. */
export const OffsetSchema = z.coerce.number<unknown>().int().min(0).default(0);

/** Offset pagination of a listing. `has_next` is `offset + returned < total`. */
export const PaginationSchema = z.object({
  /** Total number of items matching the query. */
  total: z.int().nonnegative(),
  /** The page size actually applied (after clamping). */
  limit: z.int().positive(),
  offset: z.int().nonnegative(),
  has_next: z.boolean(),
});
export type Pagination = z.infer<typeof PaginationSchema>;

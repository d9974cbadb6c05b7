/** Calls `getToken`, turning a synchronous throw or a non-string answer into a rejection. */
export async function callGetToken(getToken: () => Promise<string>): Promise<string> {
  const token: unknown = await getToken();
  if (typeof token !== 'string' || token === '') throw new TypeError('getToken must resolve with a non-empty string');
  return token;
}

/** An error's message, for events and reasons. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

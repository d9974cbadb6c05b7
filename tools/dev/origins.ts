/**
 * The browser origins `npm start` allows (WebSocket Origin check and REST CORS alike): the edge's
 * own, on whatever EDGE_PORT says, so the demo page it serves always works, plus any listed in
 * WS_ALLOWED_ORIGINS (a Vite dev server on :5173...). CORS_ORIGINS, when set, replaces the list
 * for REST only.
 */
export function allowedOrigins(edgePort: number, listed: string | undefined): string[] {
  const extra = (listed ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  return [...new Set([`http://127.0.0.1:${edgePort}`, `http://localhost:${edgePort}`, ...extra])];
}

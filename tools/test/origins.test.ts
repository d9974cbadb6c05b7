import { describe, expect, it } from 'vitest';
import { allowedOrigins } from '../dev/origins.js';

describe('npm start allows', () => {
  it("the edge's own origins on EDGE_PORT, so the demo page follows the port", () => {
    expect(allowedOrigins(9090, undefined)).toEqual(['http://127.0.0.1:9090', 'http://localhost:9090']);
  });

  it('plus the origins listed in WS_ALLOWED_ORIGINS, once each', () => {
    expect(allowedOrigins(8080, ' http://localhost:5173 ,http://localhost:8080,')).toEqual([
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://localhost:5173',
    ]);
  });
});

import { InstanceIdSchema } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { defaultInstanceId } from '../src/index.js';

describe('defaultInstanceId', () => {
  it('is a valid instance id for any service name', () => {
    for (const service of ['api', 'gateway', 'presence', 'weird.name with spaces']) {
      const id = defaultInstanceId(service);
      expect(InstanceIdSchema.safeParse(id).success, id).toBe(true);
      expect(id).toContain(String(process.pid));
    }
  });
});

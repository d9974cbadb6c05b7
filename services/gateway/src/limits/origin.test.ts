import { describe, expect, it } from 'vitest';
import { OriginPolicy } from './origin.js';

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(['https://chat.example.com', 'http://localhost:8080']);

  it('allows exact allowlisted origins and clients that send no Origin', () => {
    expect(policy.allows('https://chat.example.com')).toBe(true);
    expect(policy.allows('HTTPS://Chat.Example.com:443')).toBe(true);
    expect(policy.allows('http://localhost:8080')).toBe(true);
    expect(policy.allows(undefined)).toBe(true);
  });

  it('refuses look-alikes: suffix tricks, another scheme or port, null, garbage', () => {
    for (const origin of [
      'https://chat.example.com.evil.example',
      'https://evil.example',
      'http://chat.example.com',
      'https://chat.example.com:8443',
      'http://localhost:8081',
      'null',
      '',
      'chat.example.com',
      'https://chat.example.com/path',
    ]) {
      expect(policy.allows(origin), origin).toBe(false);
    }
  });

  it('allows any origin only when configured with *, and refuses everything carrying an Origin when empty', () => {
    expect(new OriginPolicy(['*']).allows('https://anything.example')).toBe(true);
    expect(new OriginPolicy([]).allows('https://chat.example.com')).toBe(false);
    expect(new OriginPolicy([]).allows(undefined)).toBe(true);
    expect(() => new OriginPolicy(['not a url'])).toThrow(/invalid origin/);
  });
});

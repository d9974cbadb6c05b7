import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/index.js';

describe('redactUrl', () => {
  it.each([
    ['/ws/chat/?token=abc&room_id=x', '/ws/chat/?token=[REDACTED]&room_id=x'],
    ['/ws/chat/general/?room_id=x&token=abc', '/ws/chat/general/?room_id=x&token=[REDACTED]'],
    ['wss://chat.example/ws/chat/?token=a.b.c', 'wss://chat.example/ws/chat/?token=[REDACTED]'],
    ['/x?access_token=1&jwt=2&ticket=3&password=4&keep=5', '/x?access_token=[REDACTED]&jwt=[REDACTED]&ticket=[REDACTED]&password=[REDACTED]&keep=5'],
    ['/x?TOKEN=abc', '/x?TOKEN=[REDACTED]'],
    ['/x?to%6Ben=abc', '/x?to%6Ben=[REDACTED]'],
    ['/x?token=abc&token=def', '/x?token=[REDACTED]&token=[REDACTED]'],
    ['/x?token=', '/x?token=[REDACTED]'],
    ['/x?token=a=b=c&y=1', '/x?token=[REDACTED]&y=1'],
    ['#?token=abc', '#?token=[REDACTED]'],
    ['/x?token=abc#state=1', '/x?token=[REDACTED]#state=1'],
    ['/cb#access_token=abc&state=1', '/cb#access_token=[REDACTED]&state=1'],
    ['/x?token=a?b&c=1', '/x?token=[REDACTED]&c=1'],
    ['/x?room_id=a?token=abc', '/x?room_id=a?token=[REDACTED]'],
    ['/path&token=x/y?a=1', '/path&token=x/y?a=1'],
    ['/x?q=%E0%A4%A&token=abc', '/x?q=%E0%A4%A&token=[REDACTED]'],
    ['/x?%E0%A4%A=1&token=%%%', '/x?%E0%A4%A=1&token=[REDACTED]'],
    ['/x?mytoken=abc&token_type=bearer', '/x?mytoken=abc&token_type=bearer'],
    ['/x?q=a+b&sort=%20desc', '/x?q=a+b&sort=%20desc'],
    ['/ws/chat/?session_id=5c173f89-5d89-4d1d-b321-cf9755dcf8a7&room_id=x', '/ws/chat/?session_id=[REDACTED]&room_id=x'],
    ['/api/sessions/5c173f89-5d89-4d1d-b321-cf9755dcf8a7/', '/api/sessions/[REDACTED]/'],
    ['/api/sessions/5c173f89-5d89-4d1d-b321-cf9755dcf8a7', '/api/sessions/[REDACTED]'],
    ['/api/sessions/abc/?token=t', '/api/sessions/[REDACTED]/?token=[REDACTED]'],
    ['/api/sessions/', '/api/sessions/'],
    ['/api/rooms/x/?q=/sessions/abc', '/api/rooms/x/?q=/sessions/abc'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it.each(['', '/', '/ws/chat/', '?', '/x?', '/x?token', '/x?&&', 'not a url at all', '%%%'])('keeps %j as it is', (input) => {
    expect(redactUrl(input)).toBe(input);
  });

  it('never throws on a non-string', () => {
    expect(redactUrl(undefined as unknown as string)).toBe('undefined');
    expect(redactUrl(42 as unknown as string)).toBe('42');
  });

  it('accepts a custom parameter set', () => {
    expect(redactUrl('/x?session_id=s&token=t', new Set(['session_id']))).toBe('/x?session_id=[REDACTED]&token=t');
  });
});

import { describe, expect, it } from 'vitest';
import { envBool, envDurationMs, envInt, envList, envUrl } from '../src/index.js';

describe('envBool', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' True ', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['0', false],
  ])('%j → %s', (raw, expected) => {
    expect(envBool().parse(raw)).toBe(expected);
  });

  it.each(['', 'yes', 'no', 'on', 'off', 'flase', '2', 't', 'null'])('%j is an error', (raw) => {
    expect(envBool().safeParse(raw).success).toBe(false);
  });
});

describe('envInt', () => {
  it.each([
    ['42', 42],
    [' 42 ', 42],
    ['-7', -7],
    ['+7', 7],
    ['120_000', 120_000],
    ['0', 0],
  ])('%j → %d', (raw, expected) => {
    expect(envInt().parse(raw)).toBe(expected);
  });

  it.each(['', '1.5', '1e3', '0x10', '12abc', '_1', '1__0', '9007199254740993'])('%j is an error', (raw) => {
    expect(envInt().safeParse(raw).success).toBe(false);
  });

  it('enforces inclusive bounds', () => {
    const port = envInt({ min: 1, max: 65_535 });
    expect(port.parse('1')).toBe(1);
    expect(port.parse('65535')).toBe(65_535);
    expect(port.safeParse('0').success).toBe(false);
    expect(port.safeParse('65536').success).toBe(false);
  });
});

describe('envList', () => {
  it('splits, trims and drops empty items', () => {
    expect(envList().parse(' a, b ,,c,')).toEqual(['a', 'b', 'c']);
    expect(envList().parse(' , ')).toEqual([]);
  });

  it('parses each item with the item schema', () => {
    expect(envList(envInt()).parse('1, 2,3')).toEqual([1, 2, 3]);
    const result = envList(envInt()).safeParse('1,x');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([1]);
  });
});

describe('envUrl', () => {
  it('accepts allowed schemes and returns the string as given', () => {
    expect(envUrl().parse(' http://localhost:3000 ')).toBe('http://localhost:3000');
    expect(envUrl({ protocols: ['nats:', 'tls'] }).parse('tls://nats:4222')).toBe('tls://nats:4222');
    expect(envUrl({ protocols: ['redis', 'rediss'] }).parse('rediss://:pw@cache:6380/0')).toBe('rediss://:pw@cache:6380/0');
  });

  it.each(['', 'localhost:3000x', '/relative', 'ftp://example.com', 'javascript:alert(1)'])('%j is an error', (raw) => {
    expect(envUrl().safeParse(raw).success).toBe(false);
  });
});

describe('envDurationMs', () => {
  it.each([
    ['1500', 1500],
    ['1_500', 1500],
    ['250ms', 250],
    ['30s', 30_000],
    ['30 s', 30_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['10S', 10_000],
  ])('%j → %d ms', (raw, expected) => {
    expect(envDurationMs().parse(raw)).toBe(expected);
  });

  it.each(['', '-5s', '5 minutes', '1.5', '1.0001s', 'soon', '5w'])('%j is an error', (raw) => {
    expect(envDurationMs().safeParse(raw).success).toBe(false);
  });

  it('enforces bounds in milliseconds', () => {
    expect(envDurationMs({ min: 1_000 }).safeParse('999ms').success).toBe(false);
    expect(envDurationMs({ min: 1_000 }).parse('1s')).toBe(1_000);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMAGES, SERVICE_NAMES } from '../src/index.js';

const compose = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');

describe('container images', () => {
  it.each(SERVICE_NAMES)('%s: docker-compose.yml runs the same image testcontainers starts', (name) => {
    const block = compose.match(new RegExp(`^  ${name}:\\n(?:    .*\\n|\\n)*?    image: (\\S+)`, 'm'));
    expect(block?.[1]).toBe(IMAGES[name]);
  });

  it('every NATS server (the single one, and the cluster profile’s nodes natsCluster mirrors) runs the same image', () => {
    const images = [...compose.matchAll(/^\s+image: (nats:\S+)/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(2);
    expect(new Set(images)).toEqual(new Set([IMAGES.nats]));
  });
});

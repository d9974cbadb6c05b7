import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMAGES, SERVICE_NAMES } from '../src/index.js';

const compose = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');

describe('container images', () => {
  it.each(SERVICE_NAMES)('%s: docker-compose.yml runs the same image testcontainers starts', (name) => {
    const block = compose.match(new RegExp(`^  ${name}:\\n(?:    .*\\n|\\n)*?    image: (\\S+)`, 'm'));
    expect(block?.[1]).toBe(IMAGES[name]);
  });
});

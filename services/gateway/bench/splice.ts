/* eslint-disable no-console -- a benchmark prints its numbers */
/**
 * What addressing a broadcast to each recipient costs (`BroadcastFrame.for`: a copy of the encoded
 * frame with the recipient's session id written in), against handing every member the same bytes
 * (what the gateway did before session ids were kept to their owners). CPU only, no sockets.
 * Run: `node --conditions=@parley/source --import tsx bench/splice.ts`.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastFrame } from '../src/rooms/broadcast-frame.js';

const MEMBERS = 100;
const ROUNDS = 20_000;
const message = {
  message_id: randomUUID(),
  room_id: 'general',
  seq: 42,
  user_id: 'user-123',
  content: 'A typical chat message of about sixty characters, give or take.',
  client_msg_id: randomUUID(),
  created_at: new Date().toISOString(),
  timestamp: Date.now(),
};
const sessions = Array.from({ length: MEMBERS }, () => randomUUID());
let sink = 0;

function time(name: string, perRound: () => void): number {
  for (let i = 0; i < 2_000; i++) perRound();
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) perRound();
  const ns = Number(process.hrtime.bigint() - started) / ROUNDS;
  console.log(`${name.padEnd(44)} ${(ns / 1_000).toFixed(2)} µs per broadcast to ${MEMBERS}  (${(ns / MEMBERS).toFixed(0)} ns per member)`);
  return ns;
}

const shared = time('encode once, same bytes to every member', () => {
  const bytes = Buffer.from(JSON.stringify({ type: 'text_message', timestamp: Date.now(), session_id: sessions[0], data: message }));
  for (let m = 0; m < MEMBERS; m++) sink += bytes.length;
});
const spliced = time('encode once, addressed to each member', () => {
  const frame = BroadcastFrame.encode('text_message', message, MEMBERS);
  for (let m = 0; m < MEMBERS; m++) sink += frame.for(sessions[m]!).length;
});
const perMember = time('serialize once per member (the naive way)', () => {
  for (let m = 0; m < MEMBERS; m++)
    sink += Buffer.from(JSON.stringify({ type: 'text_message', timestamp: Date.now(), session_id: sessions[m], data: message })).length;
});
console.log(
  `addressing costs ${((spliced - shared) / MEMBERS).toFixed(0)} ns per member; per-member serialization would cost ${((perMember - shared) / MEMBERS).toFixed(0)} ns (${sink > 0 ? 'ok' : ''})`,
);

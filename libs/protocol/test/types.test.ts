import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';

import type {
  BusReply,
  CLIENT_MESSAGE_TYPES,
  ClientMessage,
  ClientMessageType,
  CloseCode,
  CreateNamedRoomRequestSchema,
  ErrorData,
  ListRoomsQuery,
  ListRoomsQuerySchema,
  MessagesQuery,
  ParseClientFrameResult,
  RoomAccessReply,
  RoomEvent,
  SERVER_MESSAGE_TYPES,
  ServerMessage,
  ServerMessageData,
  ServerMessageOf,
  ServerMessageType,
  SessionControl,
  StoredMessage,
  SystemMessageData,
} from '../src/index.js';
import { busReplySchema, RoomAccessReplySchema, serverEnvelope } from '../src/index.js';

// Compile-time checks: `tsc --noEmit` over this file is the real test; the `it`s keep vitest happy.
describe('exported types', () => {
  it('ClientMessage narrows on type', () => {
    expectTypeOf<Extract<ClientMessage, { type: 'text_message' }>['data']>().toEqualTypeOf<{
      content: string;
      room_id: string;
      user_id?: string | undefined;
      client_msg_id?: string | undefined;
    }>();
    expectTypeOf<Extract<ClientMessage, { type: 'heartbeat' }>['data']>().toEqualTypeOf<{ sequence: number } | undefined>();
    expectTypeOf<Extract<ClientMessage, { type: 'join_room' }>['data']['since_seq']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientMessageType>().toEqualTypeOf<
      | 'text_message'
      | 'heartbeat'
      | 'join_room'
      | 'leave_room'
      | 'refresh'
      | 'edit_message'
      | 'delete_message'
      | 'add_reaction'
      | 'remove_reaction'
      | 'mark_read'
      | 'typing'
    >();
    expectTypeOf<(typeof CLIENT_MESSAGE_TYPES)[number]>().toEqualTypeOf<ClientMessageType>();
    expectTypeOf<ClientMessage['timestamp']>().toEqualTypeOf<number | undefined>();
  });

  it('ServerMessage data is typed per type and action', () => {
    expectTypeOf<ServerMessageData<'message_ack'>['seq']>().toEqualTypeOf<number>();
    expectTypeOf<ServerMessageData<'message_ack'>['client_msg_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<ServerMessageData<'error'>>().toEqualTypeOf<ErrorData>();
    expectTypeOf<ServerMessageData<'heartbeat'>['sequence']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ServerMessageOf<'text_message'>['data']>().not.toHaveProperty('session_id');
    expectTypeOf<Extract<SystemMessageData, { action: 'welcome' }>['limits']['max_frame_bytes']>().toEqualTypeOf<number>();
    expectTypeOf<SystemMessageData['action']>().toEqualTypeOf<
      'welcome' | 'user_joined' | 'user_left' | 'room_joined' | 'room_left' | 'reconnect' | 'token_expiring' | 'token_refreshed'
    >();
    expectTypeOf<(typeof SERVER_MESSAGE_TYPES)[number]>().toEqualTypeOf<ServerMessageType>();
    expectTypeOf<ServerMessage['timestamp']>().toEqualTypeOf<number>();
    expectTypeOf<ServerMessage['metadata']>().toEqualTypeOf<{ version: '1.0'; source: 'server' }>();
  });

  it('serverEnvelope is typed per message type', () => {
    expectTypeOf(serverEnvelope<'heartbeat'>)
      .parameter(2)
      .toEqualTypeOf<{ sequence?: number | undefined }>();
    expectTypeOf(serverEnvelope('heartbeat', 'x', {})).toEqualTypeOf<ServerMessageOf<'heartbeat'>>();
    // @ts-expect-error: an ack needs seq, message_id, room_id, duplicate
    serverEnvelope('message_ack', 'x', { client_msg_id: 'c' });
  });

  it('parseClientFrame result discriminates on ok', () => {
    expectTypeOf<Extract<ParseClientFrameResult, { ok: true }>['message']>().toEqualTypeOf<ClientMessage>();
    expectTypeOf<Extract<ParseClientFrameResult, { ok: false }>['error']>().toEqualTypeOf<ErrorData>();
  });

  it('REST query outputs are numbers, inputs accept strings', () => {
    expectTypeOf<ListRoomsQuery['limit']>().toEqualTypeOf<number>();
    expectTypeOf<ListRoomsQuery['offset']>().toEqualTypeOf<number>();
    expectTypeOf<ListRoomsQuery['category']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<MessagesQuery['before_seq']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<z.input<typeof ListRoomsQuerySchema>['limit']>().toEqualTypeOf<unknown>();
    expectTypeOf<z.output<typeof CreateNamedRoomRequestSchema>['category']>().toEqualTypeOf<string>();
    expectTypeOf<z.input<typeof CreateNamedRoomRequestSchema>['category']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<z.output<typeof CreateNamedRoomRequestSchema>['visibility']>().toEqualTypeOf<'public' | 'private'>();
  });

  it('bus types', () => {
    expectTypeOf<StoredMessage['client_msg_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<Extract<RoomEvent, { kind: 'message' }>['message']>().toEqualTypeOf<StoredMessage>();
    expectTypeOf<SessionControl['action']>().toEqualTypeOf<'join' | 'leave' | 'close'>();
    expectTypeOf<BusReply<RoomAccessReply>>().toEqualTypeOf<{ ok: true; data: RoomAccessReply } | { ok: false; error: ErrorData }>();
    const Reply = busReplySchema(RoomAccessReplySchema);
    expectTypeOf(Reply.parse).returns.toEqualTypeOf<BusReply<RoomAccessReply>>();
  });

  it('close codes are literal numbers', () => {
    expectTypeOf<4401>().toExtend<CloseCode>();
    expectTypeOf<1006>().not.toExtend<CloseCode>();
  });
});

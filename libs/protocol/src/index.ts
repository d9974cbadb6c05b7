/** @parley/protocol: every shape that crosses a process boundary. Explicit re-exports only. */

export {
  SLUG_PATTERN,
  RoomIdSchema,
  CategorySchema,
  SessionIdSchema,
  UserIdSchema,
  ClientMsgIdSchema,
  MessageIdSchema,
  SeqSchema,
  TimestampMsSchema,
  IsoDateTimeSchema,
  InstanceIdSchema,
  ConnectionIdSchema,
} from './ids.js';
export type { RoomId, Category, SessionId, UserId, ClientMsgId, MessageId, Seq, TimestampMs, IsoDateTime, InstanceId, ConnectionId } from './ids.js';
export { codePointLength, hasLoneSurrogate, hasNul } from './text.js';
export {
  ERROR_CODES,
  ErrorCodeSchema,
  API_ERROR_CODES,
  ApiErrorCodeSchema,
  ErrorDetailsSchema,
  ErrorDataSchema,
  HttpErrorBodySchema,
  HTTP_STATUS_FOR_ERROR,
  errorData,
} from './errors.js';
export type { ErrorCode, ApiErrorCode, ErrorDetails, ErrorData, HttpErrorBody } from './errors.js';
export { CLOSE_CODES, closeCodeInfo, shouldReconnect } from './close-codes.js';
export type { CloseCodeInfo, CloseCodeKey, CloseCode } from './close-codes.js';
export { LimitsSchema, DEFAULT_LIMITS, DEFAULT_PAGE_LIMIT } from './limits.js';
export type { Limits } from './limits.js';
export { PROTOCOL_VERSION, ServerMetadataSchema, ClientMetadataSchema, serverEnvelopeSchema, clientEnvelopeSchema, ServerEnvelopeSchema } from './envelope.js';
export type { ServerMetadata, ClientMetadata, ServerEnvelope } from './envelope.js';
export {
  ContentSchema,
  ClientTextMessageDataSchema,
  ClientTextMessageSchema,
  ClientHeartbeatDataSchema,
  ClientHeartbeatSchema,
  JoinRoomDataSchema,
  JoinRoomMessageSchema,
  LeaveRoomDataSchema,
  LeaveRoomMessageSchema,
  RefreshDataSchema,
  RefreshMessageSchema,
  ClientMessageSchema,
  CLIENT_MESSAGE_TYPES,
} from './client-messages.js';
export type {
  Content,
  ClientTextMessageData,
  ClientTextMessage,
  ClientHeartbeatData,
  ClientHeartbeat,
  JoinRoomData,
  JoinRoomMessage,
  LeaveRoomData,
  LeaveRoomMessage,
  RefreshData,
  RefreshMessage,
  ClientMessage,
  ClientMessageType,
} from './client-messages.js';
export { WS_SUBPROTOCOL, WS_TOKEN_SUBPROTOCOL_PREFIX, subprotocolsFor, tokenFromSubprotocols } from './ws-auth.js';
export {
  StoredMessageSchema,
  ChatMessageSchema,
  toChatMessage,
  ReactionCountSchema,
  MessageStateSchema,
  MessagesQuerySchema,
  MessagesPageSchema,
} from './messages.js';
export type { StoredMessage, ChatMessage, ReactionCount, MessageState, MessagesQuery, MessagesPage } from './messages.js';
export {
  DURABLE_EVENT_TYPES,
  MessageEditedDataSchema,
  MessageDeletedDataSchema,
  ReactionDataSchema,
  DurableEventSchema,
  LogEntrySchema,
  EventsQuerySchema,
  EventsPageSchema,
  AppendEventRequestSchema,
  AppendEventReplySchema,
} from './events.js';
export type {
  DurableEventType,
  MessageEditedData,
  MessageDeletedData,
  ReactionData,
  DurableEvent,
  LogEntry,
  EventsQuery,
  EventsPage,
  AppendEventRequest,
  AppendEventReply,
} from './events.js';
export {
  EmojiSchema,
  EditMessageDataSchema,
  EditMessageSchema,
  DeleteMessageDataSchema,
  DeleteMessageSchema,
  ReactionRequestDataSchema,
  AddReactionSchema,
  RemoveReactionSchema,
  EVENT_FRAME_TYPES,
} from './client-messages.js';
export type {
  Emoji,
  EditMessageData,
  EditMessage,
  DeleteMessageData,
  DeleteMessage,
  ReactionRequestData,
  AddReaction,
  RemoveReaction,
  EventFrameType,
} from './client-messages.js';
export {
  MessageEditedSchema,
  MessageDeletedSchema,
  ReactionAddedSchema,
  ReactionRemovedSchema,
  EventAckDataSchema,
  EventAckSchema,
} from './server-messages.js';
export type { MessageEdited, MessageDeleted, ReactionAdded, ReactionRemoved, EventAckData, EventAck } from './server-messages.js';
export {
  WelcomeDataSchema,
  UserJoinedDataSchema,
  UserLeftDataSchema,
  RoomJoinedDataSchema,
  RoomLeftDataSchema,
  ReconnectDataSchema,
  TokenExpiringDataSchema,
  TokenRefreshedDataSchema,
  SystemMessageDataSchema,
  SystemMessageSchema,
  ServerTextMessageSchema,
  MessageAckDataSchema,
  MessageAckSchema,
  ServerHeartbeatDataSchema,
  ServerHeartbeatSchema,
  ErrorMessageSchema,
  ServerMessageSchema,
  SERVER_MESSAGE_TYPES,
} from './server-messages.js';
export type {
  WelcomeData,
  UserJoinedData,
  UserLeftData,
  RoomJoinedData,
  RoomLeftData,
  ReconnectData,
  TokenExpiringData,
  TokenRefreshedData,
  SystemMessageData,
  SystemAction,
  SystemMessage,
  ServerTextMessage,
  MessageAckData,
  MessageAck,
  ServerHeartbeatData,
  ServerHeartbeat,
  ErrorMessage,
  ServerMessage,
  ServerMessageType,
  ServerMessageOf,
  ServerMessageData,
} from './server-messages.js';
export { INVALID_MESSAGE_FORMAT, exceedsJsonDepth, parseClientFrame, serverEnvelope } from './parse.js';
export type { ParseClientFrameResult } from './parse.js';
export { pageLimitSchema, OffsetSchema, PaginationSchema } from './pagination.js';
export type { Pagination } from './pagination.js';
export {
  PreferenceValueSchema,
  MAX_PREFERENCE_KEYS,
  PreferencesSchema,
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  SessionStatusSchema,
  SessionStatisticsSchema,
  SessionResponseSchema,
  SessionParamsSchema,
} from './sessions.js';
export type {
  PreferenceValue,
  Preferences,
  CreateSessionRequest,
  CreateSessionResponse,
  SessionStatus,
  SessionStatistics,
  SessionResponse,
  SessionParams,
} from './sessions.js';
export {
  DEFAULT_ROOM_CATEGORY,
  DIRECT_ROOM_PREFIX,
  RoomVisibilitySchema,
  RoomTypeSchema,
  RoomRoleSchema,
  RoomSchema,
  ListRoomsQuerySchema,
  ListRoomsResponseSchema,
  RoomParamsSchema,
  CreateNamedRoomRequestSchema,
  CreateDirectRoomRequestSchema,
  CreateRoomRequestSchema,
  RoomMemberSchema,
  ListMembersResponseSchema,
  AddMemberRequestSchema,
  UpdateMemberRequestSchema,
  MemberParamsSchema,
  JoinRoomRequestSchema,
  JoinRoomResponseSchema,
  LeaveRoomRequestSchema,
  LeaveRoomResponseSchema,
  RoomPresenceResponseSchema,
} from './rooms.js';
export type {
  RoomVisibility,
  RoomType,
  RoomRole,
  Room,
  ListRoomsQuery,
  ListRoomsResponse,
  RoomParams,
  CreateNamedRoomRequest,
  CreateDirectRoomRequest,
  CreateRoomRequest,
  RoomMember,
  ListMembersResponse,
  AddMemberRequest,
  UpdateMemberRequest,
  MemberParams,
  JoinRoomRequest,
  JoinRoomResponse,
  LeaveRoomRequest,
  LeaveRoomResponse,
  RoomPresenceResponse,
} from './rooms.js';
export {
  COMPONENT_STATUSES,
  ComponentStatusSchema,
  HTTP_STATUS_FOR_HEALTH,
  worstStatus,
  HealthComponentsSchema,
  HealthMetricsSchema,
  HealthResponseSchema,
  ServiceKindSchema,
  InstanceHealthSchema,
} from './health.js';
export type { ComponentStatus, HealthComponents, HealthMetrics, HealthResponse, ServiceKind, InstanceHealth } from './health.js';
export {
  BUS_BATCH_MAX,
  busReplySchema,
  RoomEventSchema,
  ResolveSessionRequestSchema,
  SessionInfoSchema,
  RoomAccessRequestSchema,
  RoomAccessReplySchema,
  RoomHistoryRequestSchema,
  AppendMessageRequestSchema,
  AppendMessageReplySchema,
  SessionStatsReportSchema,
  SessionControlSchema,
  UserControlSchema,
} from './bus.js';
export type {
  BusReply,
  RoomEvent,
  ResolveSessionRequest,
  SessionInfo,
  RoomAccessRequest,
  RoomAccessReply,
  RoomHistoryRequest,
  AppendMessageRequest,
  AppendMessageReply,
  SessionStatsReport,
  SessionControl,
  UserControl,
} from './bus.js';
export {
  PresenceEventSchema,
  PresenceCountsRequestSchema,
  PresenceCountsReplySchema,
  RoomPresenceRequestSchema,
  UserPresenceRequestSchema,
  UserPresenceReplySchema,
  HealthProbeRequestSchema,
} from './presence-bus.js';
export type {
  PresenceEvent,
  PresenceEventKind,
  PresenceCountsRequest,
  PresenceCountsReply,
  RoomPresenceRequest,
  UserPresenceRequest,
  UserPresenceReply,
  HealthProbeRequest,
} from './presence-bus.js';
export { ApiKeyScopeSchema, API_KEY_PATTERN, ApiKeyIdSchema, isApiKeyShaped, ApiKeyInfoSchema } from './server-api.js';
export type { ApiKeyScope, ApiKeyId, ApiKeyInfo } from './server-api.js';
export {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookEventTypeSchema,
  WebhookEventSchema,
  WebhookDeliverySchema,
  WebhookIdParamsSchema,
  DeadLetterIdParamsSchema,
  CreateWebhookBodySchema,
  WebhookSchema,
  WebhookListSchema,
  DeadLetterSchema,
  DeadLetterListSchema,
} from './webhooks.js';
export type { WebhookEventType, WebhookEvent, WebhookDelivery, CreateWebhookBody, Webhook, DeadLetter } from './webhooks.js';

export type {
  Bus,
  BusReply,
  BusStatusEvent,
  BusSubscription,
  Endpoint,
  GatherOptions,
  MessageContext,
  MessageHandler,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
  Topic,
  TopicPattern,
} from './types.js';
export {
  BusClosedError,
  BusHandlerError,
  BusRequestError,
  BusSubjectError,
  BusValidationError,
  type BusErrorData,
  type BusIssue,
  type BusRequestErrorCode,
} from './errors.js';
export { silentLogger, type BusLogger } from './logger.js';
export { connectNats, NATS_CONNECTION_DEFAULTS, natsConnectionOptions, natsServers, type ConnectNatsOptions } from './connect.js';
export { createNatsBus, type NatsBusOptions } from './nats.js';
export { createMemoryBus, type MemoryBus, type MemoryBusOptions } from './memory.js';
export { createMemoryBroker, type MemoryBroker } from './memory-broker.js';
export { instrumentBus, type BusObserver, type BusOutcome } from './instrument.js';
export { QUEUE_GROUPS, subjects, webhookSubjects } from './subjects.js';
export { ensureWebhookStreams, webhookJetStream, webhookStreams, WebhookPublisher, type WebhookStreams } from './webhook-streams.js';

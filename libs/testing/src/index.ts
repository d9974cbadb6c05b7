export { realServers, serviceUrl, uniqueId, type RealServers } from './context.js';
export { createTestDatabase, type TestDatabase } from './postgres.js';
export { EMBEDDED, ENV_VAR, IMAGES, LOCAL_DEFAULT, SERVICE_LABEL, SERVICE_NAMES, type ServiceName } from './images.js';
export { freePort, spawnScript, startServiceProcess, type ServiceKind, type ServiceProcess, type StartServiceOptions } from './process.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { TestSocket, isError, isType, texts, type ClientOptions, type Frame } from './socket.js';
export { planBackends, resolveServices, startBackends, type BackendPlan, type ResolvedService, type ServiceSource } from './resolve.js';
export { sweepTestStreams, TEST_STREAM, STALE_AFTER_MS } from './stream-sweep.js';
export { natsCluster, type NatsCluster, type NatsClusterNode, type NatsClusterOptions } from './nats-cluster.js';

import { subjects, type Bus, type BusSubscription } from '@parley/bus';
import type { ComponentStatus, InstanceHealth, PresenceEvent, RoomEvent } from '@parley/protocol';
import { uniqueId } from '@parley/testing';
import { randomUUID } from 'node:crypto';

interface Connection {
  session_id: string;
  user_id: string;
  rooms: Set<string>;
}

/**
 * A simulated gateway: publishes real PresenceEvents on its own bus and answers the real health
 * probe. (The real gateway gets its own end-to-end tests.)
 */
export class FakeGateway {
  readonly id = uniqueId('gw');
  readonly connections = new Map<string, Connection>();
  /** Processed-message counter this gateway reports. */
  messages = 0;
  /** When this incarnation started (reported as uptime). */
  startedAt = Date.now();
  websocket: ComponentStatus = 'healthy';
  private timer: NodeJS.Timeout | undefined;
  private health: BusSubscription | undefined;

  constructor(
    private readonly bus: Bus,
    readonly ttlMs: number,
  ) {}

  /** Opens a connection for `user`; returns its id. */
  connect(user: string): string {
    const id = uniqueId('conn');
    const connection = { session_id: randomUUID(), user_id: user, rooms: new Set<string>() };
    this.connections.set(id, connection);
    this.publish({ kind: 'connect', ...this.fields(id) });
    return id;
  }

  join(connectionId: string, room: string, at = Date.now()): void {
    this.connection(connectionId).rooms.add(room);
    this.publish({ kind: 'join', ...this.fields(connectionId), room_id: room, at });
  }

  leave(connectionId: string, room: string, at = Date.now()): void {
    this.connection(connectionId).rooms.delete(room);
    this.publish({ kind: 'leave', ...this.fields(connectionId), room_id: room, at });
  }

  disconnect(connectionId: string): void {
    const fields = this.fields(connectionId);
    this.connections.delete(connectionId);
    this.publish({ kind: 'disconnect', ...fields });
  }

  /** One heartbeat report of every live connection. */
  refresh(): void {
    this.publish({
      kind: 'refresh',
      gateway_id: this.id,
      connections: [...this.connections].map(([connection_id, c]) => ({
        connection_id,
        session_id: c.session_id,
        user_id: c.user_id,
        rooms: [...c.rooms],
      })),
      ttl_ms: this.ttlMs,
      at: Date.now(),
    });
  }

  /** Refreshes every `intervalMs` until `vanish()` or `stopRefreshing()`. */
  startRefreshing(intervalMs: number): void {
    this.stopRefreshing();
    this.refresh();
    this.timer = setInterval(() => {
      try {
        this.refresh();
      } catch {
        this.stopRefreshing(); // the bus was closed under it (test teardown)
      }
    }, intervalMs);
  }

  stopRefreshing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Answers the health probe as a gateway does. */
  async serveHealth(): Promise<void> {
    this.health = this.bus.serve(subjects.healthProbe, (): InstanceHealth => ({
      service: 'gateway',
      instance_id: this.id,
      version: '0.0.0-test',
      status: this.websocket,
      uptime_seconds: Math.floor((Date.now() - this.startedAt) / 1000),
      components: { websocket: this.websocket, nats: 'healthy' },
      metrics: { active_connections: this.connections.size, total_messages_processed: this.messages },
    }));
    await this.health.ready;
  }

  /** Dies like SIGKILL: no goodbye, no more refreshes, no more health answers. */
  async vanish(): Promise<void> {
    this.stopRefreshing();
    this.health?.unsubscribe();
    await this.health?.closed;
    this.health = undefined;
  }

  private connection(id: string): Connection {
    const c = this.connections.get(id);
    if (!c) throw new Error(`unknown connection ${id}`);
    return c;
  }

  private fields(id: string) {
    const c = this.connection(id);
    return { gateway_id: this.id, connection_id: id, session_id: c.session_id, user_id: c.user_id, at: Date.now() };
  }

  private publish(event: PresenceEvent): void {
    this.bus.publish(subjects.presenceEvents, event);
  }
}

/** A simulated API instance: answers the health probe with its database status. */
export async function fakeApi(bus: Bus): Promise<{ database: ComponentStatus; stop(): Promise<void> }> {
  const state = { database: 'healthy' as ComponentStatus };
  const id = uniqueId('api');
  const sub = bus.serve(subjects.healthProbe, (): InstanceHealth => ({
    service: 'api',
    instance_id: id,
    version: '0.0.0-test',
    status: state.database,
    uptime_seconds: 1,
    components: { database: state.database, nats: 'healthy' },
    metrics: {},
  }));
  await sub.ready;
  return Object.assign(state, {
    async stop() {
      sub.unsubscribe();
      await sub.closed;
    },
  });
}

/** Everything published on a room's subject, in arrival order. */
export async function roomTap(bus: Bus, room: string): Promise<{ events: Extract<RoomEvent, { kind: 'system' }>[]; of(user: string): string[] }> {
  const events: Extract<RoomEvent, { kind: 'system' }>[] = [];
  const sub = bus.subscribe(subjects.chatRoom(room), (event) => {
    if (event.kind === 'system') events.push(event);
  });
  await sub.ready;
  return { events, of: (user) => events.filter((e) => e.user_id === user).map((e) => e.action) };
}

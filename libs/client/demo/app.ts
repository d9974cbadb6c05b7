/**
 * The demo chat page, on the SDK: sign in with a name, pick a room, chat, edit and delete your
 * messages, react to anyone's, see who is online.
 * Plain DOM, no framework. Everything that comes from the server or another user reaches the
 * page through `textContent`, never as HTML.
 *
 * Same origin as the stack's edge (npm start's or compose's nginx): REST under `/api/`, the
 * WebSocket at `/ws/chat/` on this page's host. `npm run build:demo -w @parley/client` bundles
 * this file to `app.js`, which is committed so both edges serve it straight from a clone.
 */
import {
  CreateSessionResponseSchema,
  HttpErrorBodySchema,
  ListRoomsResponseSchema,
  RoomPresenceResponseSchema,
  type Room,
  type RoomId,
  type SessionId,
} from '@parley/protocol';

import { createClient, type ClientState, type MessageView, type ParleyClient, type ParleyRoom } from '../src/index.js';

/** Rooms list and online list are soft state: besides join/leave events, refresh them this often. */
const REFRESH_MS = 15_000;
const HISTORY_LIMIT = 50;
/** The reactions offered on every message. */
const QUICK_REACTIONS = ['👍', '🎉', '❤️'];

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`#${id} is missing from index.html`);
  return node as T;
}

const ui = {
  status: byId<HTMLParagraphElement>('status'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  roomsToggle: byId<HTMLButtonElement>('rooms-toggle'),
  signIn: byId<HTMLFormElement>('sign-in'),
  userName: byId<HTMLInputElement>('user-name'),
  signInError: byId<HTMLParagraphElement>('sign-in-error'),
  chat: byId<HTMLDivElement>('chat'),
  rooms: byId<HTMLUListElement>('rooms'),
  roomTitle: byId<HTMLHeadingElement>('room-title'),
  messages: byId<HTMLOListElement>('messages'),
  composer: byId<HTMLFormElement>('composer'),
  messageInput: byId<HTMLInputElement>('message-input'),
  online: byId<HTMLUListElement>('online'),
  typing: byId<HTMLParagraphElement>('typing'),
};

/** The signed-in state; undefined while signed out. */
let session: { client: ParleyClient; sessionId: SessionId; refresh: ReturnType<typeof setInterval> } | undefined;
let currentRoom: RoomId | undefined;
/** The message items shown, by message id: a change (edit, delete, reaction) redraws its item in place. */
const shown = new Map<string, HTMLLIElement>();
/** Stops listening to the room shown. */
let unwatch: (() => void) | undefined;
let roomList: Room[] = [];
let countdown: ReturnType<typeof setInterval> | undefined;

// ---- REST ------------------------------------------------------------------------------------

/** GET (or POST `body` as JSON) a same-origin path; the answer is checked with `schema`. */
async function api<T>(schema: { parse(value: unknown): T }, path: string, body?: unknown): Promise<T> {
  // Signed in: the session names the caller, so the rooms list carries this user's unread counts.
  const caller: Record<string, string> = session === undefined ? {} : { 'x-session-id': session.sessionId };
  const init: RequestInit =
    body === undefined ? { headers: caller } : { method: 'POST', headers: { ...caller, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = HttpErrorBodySchema.safeParse(json);
    throw new Error(error.success ? error.data.error_message : `HTTP ${response.status}`);
  }
  return schema.parse(json);
}

const roomPath = (roomId: RoomId, rest: string) => `/api/rooms/${encodeURIComponent(roomId)}/${rest}`;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The gateway behind this page's own edge: `ws(s)://<this host>/ws/chat/`. */
function websocketUrl(): string {
  const url = new URL('/ws/chat/', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

// ---- rendering -------------------------------------------------------------------------------

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function append(item: HTMLLIElement): void {
  const log = ui.messages;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(item);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function button(text: string, label: string, onClick: () => Promise<unknown>): HTMLButtonElement {
  const node = element('button', undefined, text);
  node.type = 'button';
  node.setAttribute('aria-label', label);
  node.addEventListener('click', () => void onClick().catch((error: unknown) => showNotice(`Not done: ${errorText(error)}`, 'error')));
  return node;
}

/** Draws a message in its current state (a new item, or its item redrawn in place). */
function showMessage(room: ParleyRoom, message: MessageView): void {
  const mine = message.user_id === session?.client.userId;
  const fresh = !shown.has(message.message_id);
  const item = shown.get(message.message_id) ?? element('li');
  item.className = `message${mine ? ' own' : ''}${message.deleted_at === null ? '' : ' deleted'}`;
  const meta = element('p', 'meta');
  const time = element('time', undefined, new Date(message.created_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  time.dateTime = message.created_at;
  meta.append(element('strong', 'author', message.user_id), ' ', time);
  if (message.edited_at !== null && message.deleted_at === null) meta.append(' ', element('span', 'edited', '(edited)'));
  if (message.deleted_at !== null) {
    item.replaceChildren(meta, element('p', 'content', 'Message deleted'));
  } else {
    const id = message.message_id;
    const reactions = element('p', 'reactions');
    const used = new Set(message.reactions.map((r) => r.emoji));
    for (const r of message.reactions) {
      const toggle = button(`${r.emoji} ${r.count}`, `${r.emoji} ${r.count}`, () => (r.me ? room.unreact(id, r.emoji) : room.react(id, r.emoji)));
      toggle.setAttribute('aria-pressed', String(r.me));
      reactions.append(toggle);
    }
    const actions = element('p', 'actions');
    for (const emoji of QUICK_REACTIONS.filter((e) => !used.has(e))) actions.append(button(emoji, `React ${emoji}`, () => room.react(id, emoji)));
    if (mine) {
      actions.append(
        button('Edit', 'Edit', async () => {
          const content = prompt('Edit your message', message.content);
          if (content !== null && content.trim() !== '' && content !== message.content) await room.edit(id, content);
        }),
        button('Delete', 'Delete', () => room.delete(id)),
      );
    }
    item.replaceChildren(meta, element('p', 'content', message.content), reactions, actions);
  }
  if (fresh) {
    shown.set(message.message_id, item);
    append(item);
  }
}

function showNotice(text: string, kind: 'info' | 'error' = 'info'): void {
  append(element('li', `notice ${kind}`, text));
}

function showState(state: ClientState): void {
  clearInterval(countdown);
  ui.status.dataset['state'] = state.status;
  switch (state.status) {
    case 'idle':
    case 'connecting':
      ui.status.textContent = 'Connecting…';
      break;
    case 'connected':
      ui.status.textContent = `Connected as ${state.user_id}`;
      break;
    case 'reconnecting': {
      const at = Date.now() + state.in_ms;
      const render = () => {
        const text = `Reconnecting in ${Math.max(0, Math.ceil((at - Date.now()) / 1000))} s…`;
        if (ui.status.textContent !== text) ui.status.textContent = text;
      };
      render();
      countdown = setInterval(render, 250);
      break;
    }
    case 'closed':
      ui.status.textContent = `Closed (${state.code}${state.reason === '' ? '' : `: ${state.reason}`})`;
      break;
  }
}

function renderRooms(): void {
  ui.rooms.replaceChildren(
    ...roomList.map((room) => {
      const button = element('button', 'room', room.name);
      button.type = 'button';
      button.setAttribute('aria-pressed', String(room.room_id === currentRoom));
      button.append(element('span', 'count', `${room.active_users} online`));
      const unread = room.room_id === currentRoom ? 0 : (room.unread ?? 0);
      if (unread > 0) button.append(element('span', 'unread', unread >= 10_000 ? '9999+' : String(unread)));
      button.setAttribute('aria-label', `${room.name}, ${room.active_users} online${unread > 0 ? `, ${unread} unread` : ''}`);
      if (room.description !== '') button.title = room.description;
      button.addEventListener('click', () => void enterRoom(room));
      const item = element('li');
      item.append(button);
      return item;
    }),
  );
}

function renderOnline(users: readonly string[]): void {
  const me = session?.client.userId;
  ui.online.replaceChildren(...users.map((user) => element('li', user === me ? 'me' : undefined, user === me ? `${user} (you)` : user)));
}

/** The rooms drawer of the narrow layout (CSS shows it only there; elsewhere the list is always visible). */
function setDrawer(open: boolean): void {
  if (open) ui.chat.dataset['drawer'] = 'open';
  else delete ui.chat.dataset['drawer'];
  ui.roomsToggle.setAttribute('aria-expanded', String(open));
}

function setComposer(enabled: boolean): void {
  ui.messageInput.disabled = !enabled;
  ui.composer.querySelector('button')!.disabled = !enabled;
}

/** "… is typing" under the messages: each typist until 6 s pass without a repeat (the SDK expires them). */
function renderTyping(users: readonly string[]): void {
  const names = users.slice(0, 3).join(', ');
  ui.typing.textContent = users.length === 0 ? '' : `${names}${users.length > 3 ? ' and others' : ''} ${users.length === 1 ? 'is' : 'are'} typing…`;
}

/**
 * The room on screen is read up to its last message; at most one mark_read a second (it spends a
 * chat token). The timer marks whichever room is on screen when it fires: one still pending for
 * the room just left must not swallow the new room's mark.
 */
let readTimer: ReturnType<typeof setTimeout> | undefined;
function markRead(): void {
  if (readTimer !== undefined) return;
  readTimer = setTimeout(() => {
    readTimer = undefined;
    const room = currentRoom === undefined ? undefined : session?.client.room(currentRoom);
    if (room?.state.status === 'joined') room.markRead().catch(() => undefined);
  }, 1_000);
}

// ---- rooms and presence ----------------------------------------------------------------------

async function loadRooms(): Promise<void> {
  roomList = (await api(ListRoomsResponseSchema, '/api/rooms/?limit=100')).rooms;
  renderRooms();
}

let presenceRequest = 0;
async function refreshPresence(): Promise<void> {
  const roomId = currentRoom;
  if (roomId === undefined) return;
  const request = ++presenceRequest;
  const presence = await api(RoomPresenceResponseSchema, roomPath(roomId, 'presence/'));
  // A slower, older answer (or one for the room we just left) must not overwrite a newer one.
  if (request === presenceRequest && roomId === currentRoom) renderOnline(presence.users);
}

/** Shows the last page of history, then joins from its last `seq`: nothing missed, nothing twice. */
async function enterRoom(room: Room): Promise<void> {
  const client = session?.client;
  setDrawer(false);
  if (client === undefined || room.room_id === currentRoom) return;
  if (currentRoom !== undefined) client.leave(currentRoom).catch(() => undefined);
  currentRoom = room.room_id;
  ui.roomTitle.textContent = room.name;
  ui.messages.replaceChildren();
  shown.clear();
  unwatch?.();
  const target = client.room(room.room_id);
  // New messages and every edit, delete and reaction: the room object keeps each message's state.
  const unwatchChange = target.on('change', (message) => {
    if (currentRoom !== room.room_id) return;
    showMessage(target, message);
    markRead();
  });
  const unwatchTyping = target.on('typing', () => renderTyping(target.typists()));
  renderTyping(target.typists());
  unwatch = () => (unwatchChange(), unwatchTyping());
  for (const message of target.messages()) showMessage(target, message);
  ui.online.replaceChildren();
  renderRooms();
  setComposer(false);
  try {
    // The page is merged into the room's state (drawn by `change`); joining from its last message
    // replays what followed it, and the room applies only what the page did not already show.
    const page = await target.history({ limit: HISTORY_LIMIT });
    if (currentRoom !== room.room_id) return;
    if (page.has_more) showNotice('Earlier messages are not shown');
    await client.join(room.room_id, { sinceSeq: page.messages.at(-1)?.seq ?? 0 });
    if (currentRoom !== room.room_id) return;
    setComposer(true);
    markRead();
    ui.messageInput.focus();
    await Promise.all([refreshPresence(), loadRooms()]);
  } catch (error) {
    showNotice(`Could not join ${room.name}: ${errorText(error)}`, 'error');
  }
}

// ---- session ---------------------------------------------------------------------------------

async function signIn(userId: string): Promise<void> {
  ui.signInError.textContent = '';
  const created = await api(CreateSessionResponseSchema, '/api/sessions/', { user_id: userId });
  const client = createClient({ url: websocketUrl(), sessionId: created.session_id });
  const refresh = setInterval(() => void Promise.all([loadRooms(), refreshPresence()]).catch(() => undefined), REFRESH_MS);
  session = { client, sessionId: created.session_id, refresh };

  client.on('state', (state) => {
    showState(state);
    if (state.status === 'closed' && state.code !== 1000) {
      signOut(`Disconnected for good (${state.code}${state.reason === '' ? '' : `: ${state.reason}`}); sign in again.`);
    }
  });
  client.on('presence', (change) => {
    if (change.room_id !== currentRoom) return;
    if (change.user_id !== client.userId) showNotice(`${change.user_id} ${change.kind === 'joined' ? 'joined' : 'left'}`);
    Promise.all([refreshPresence(), loadRooms()]).catch(() => undefined);
  });
  client.on('error', (error) => showNotice(error.error_message, 'error'));

  ui.signIn.hidden = true;
  ui.chat.hidden = false;
  ui.signOut.hidden = false;
  ui.roomsToggle.hidden = false;
  void client.connect();
  await loadRooms();
}

function signOut(reason?: string): void {
  const ending = session;
  session = undefined;
  currentRoom = undefined;
  unwatch?.();
  unwatch = undefined;
  shown.clear();
  if (ending !== undefined) {
    clearInterval(ending.refresh);
    ending.client.close();
    // Ends the session on the server too; a failure only means it expires on its own later.
    fetch(`/api/sessions/${encodeURIComponent(ending.sessionId)}/`, { method: 'DELETE' }).catch(() => undefined);
  }
  clearInterval(countdown);
  setDrawer(false);
  ui.chat.hidden = true;
  ui.signOut.hidden = true;
  ui.roomsToggle.hidden = true;
  ui.signIn.hidden = false;
  ui.status.dataset['state'] = 'idle';
  ui.status.textContent = 'Not signed in';
  ui.signInError.textContent = reason ?? '';
  ui.roomTitle.textContent = 'Pick a room';
  ui.messages.replaceChildren();
  ui.online.replaceChildren();
  ui.userName.focus();
}

ui.signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = ui.userName.value.trim();
  if (name === '') return;
  signIn(name).catch((error: unknown) => {
    signOut();
    ui.signInError.textContent = `Could not sign in: ${errorText(error)}`;
  });
});

ui.signOut.addEventListener('click', () => signOut());

ui.roomsToggle.addEventListener('click', () => setDrawer(ui.chat.dataset['drawer'] !== 'open'));
ui.chat.addEventListener('click', (event) => {
  if (event.target === ui.chat) setDrawer(false);
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') setDrawer(false);
});

ui.messageInput.addEventListener('input', () => {
  if (currentRoom !== undefined && ui.messageInput.value !== '') session?.client.room(currentRoom).typing();
});

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const client = session?.client;
  const content = ui.messageInput.value;
  if (client === undefined || currentRoom === undefined || content.trim() === '') return;
  ui.messageInput.value = '';
  // Own messages appear when the server delivers them (the room's `change` event), in room order.
  // While reconnecting the send waits in the SDK's outbox; it fails only for good reasons.
  client.send(currentRoom, content).catch((error: unknown) => {
    showNotice(`Not sent: ${errorText(error)}`, 'error');
    if (ui.messageInput.value === '') ui.messageInput.value = content;
  });
});

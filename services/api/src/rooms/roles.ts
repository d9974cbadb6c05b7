import type { RoomRole } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';

/**
 * Who may change a membership. Owners and admins manage members; nobody acts on the owner (one
 * per room, set at creation); nobody grants `owner`. A member may always remove themself, the
 * owner excepted (a room keeps its owner). Throws PERMISSION_DENIED naming the rule.
 */
export function checkMembershipChange(change: {
  actor: string;
  actorRole: RoomRole | undefined;
  target: string;
  targetRole: RoomRole | undefined;
  kind: 'add' | 'remove' | 'set_role';
}): void {
  const { actor, actorRole, target, targetRole, kind } = change;
  if (targetRole === 'owner') throw new ApiError('PERMISSION_DENIED', 'The owner’s membership cannot be changed');
  if (kind === 'remove' && actor === target && actorRole !== undefined) return;
  if (actorRole !== 'owner' && actorRole !== 'admin') {
    throw new ApiError('PERMISSION_DENIED', 'Only the room’s owner and admins manage its members');
  }
}

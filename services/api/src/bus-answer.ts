import { BusHandlerError } from '@parley/bus';
import { ApiError } from './http/api-error.js';

/** Expected failures travel back over the bus with their code; anything else becomes INTERNAL_ERROR. */
export async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw new BusHandlerError(error.data);
    throw error;
  }
}

import type { BusLogger } from './logger.js';
import type { BusStatusEvent } from './types.js';

/** Fans connection events out to listeners; a listener that throws is logged and ignored. */
export class StatusHub {
  private readonly listeners = new Set<(event: BusStatusEvent) => void>();

  constructor(private readonly logger: BusLogger) {}

  add(listener: (event: BusStatusEvent) => void): () => void {
    // Wrap so the same function added twice gets two independent registrations.
    const entry = (event: BusStatusEvent): void => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(event: BusStatusEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'bus: status listener failed');
      }
    }
  }
}

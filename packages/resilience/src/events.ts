// A minimal typed event emitter. The breaker checks `has(type)` before building a payload, so a call
// with nobody listening allocates nothing for events: that keeps the closed-state path cheap.
export type Listener<P> = (payload: P) => void;

export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    const list = this.listeners[type];
    if (list) list.push(listener);
    else this.listeners[type] = [listener];
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    const list = this.listeners[type];
    if (!list) return;
    const remaining = list.filter((candidate) => candidate !== listener);
    this.listeners[type] = remaining.length > 0 ? remaining : undefined;
  }

  has(type: keyof Events): boolean {
    return this.listeners[type] !== undefined;
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const list = this.listeners[type];
    if (!list) return;
    // A throwing listener must not break the call that emitted the event; report it asynchronously.
    for (const listener of list) {
      try {
        listener(payload);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

// A wake-up hint for a polling loop: wait(ms) returns after ms, or as soon as wake() is called.
// A wake() that arrives while nobody waits is remembered, so a NOTIFY received in the middle of a
// batch makes the next wait return at once instead of sleeping a whole poll interval.
export type Wakeup = {
  /** Resolves true when woken, false when the time ran out. */
  wait(ms: number): Promise<boolean>;
  wake(): void;
};

export function createWakeup(): Wakeup {
  let pending = false;
  let waiter: (() => void) | undefined;
  return {
    wait(ms) {
      if (pending) {
        pending = false;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          resolve(false);
        }, ms);
        waiter = () => {
          clearTimeout(timer);
          waiter = undefined;
          pending = false;
          resolve(true);
        };
      });
    },
    wake() {
      if (waiter) waiter();
      else pending = true;
    },
  };
}

// Every experiment the runner knows, in catalogue order (requirements-services.md §9, then the
// pattern catalogue).
import type { Experiment } from '../experiment.ts';
import boundaryBurst from './boundary-burst.ts';
import bucketSmoothing from './bucket-smoothing.ts';
import circuitBreaker from './circuit-breaker.ts';
import clockSkew from './clock-skew.ts';
import failModes from './fail-modes.ts';
import memoryAccuracy from './memory-accuracy.ts';
import noisyNeighbour from './noisy-neighbour.ts';
import outboxVsDualWrite from './outbox-vs-dual-write.ts';
import raceCondition from './race-condition.ts';
import retryStorm from './retry-storm.ts';
import stampede from './stampede.ts';

export const experiments = [
  stampede,
  boundaryBurst,
  memoryAccuracy,
  raceCondition,
  failModes,
  bucketSmoothing,
  noisyNeighbour,
  clockSkew,
  retryStorm,
  outboxVsDualWrite,
  circuitBreaker,
] as Experiment[];

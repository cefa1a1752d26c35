// Every experiment the runner knows, in catalogue order.
import type { Experiment } from '../experiment.ts';
import noisyNeighbour from './noisy-neighbour.ts';

export const experiments: Experiment[] = [noisyNeighbour] as Experiment[];

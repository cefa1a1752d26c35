// `@lab/outbox/demo`: the dual-write anti-pattern the outbox replaces, on an export path of its
// own so that code importing it says so in its import line. The outbox-vs-dual-write experiment
// uses it; services use enqueue + the relay from the main entry point.
export { type DualWritePublisher, type DualWritePublisherOptions, dualWritePublisher } from './dual-write.ts';

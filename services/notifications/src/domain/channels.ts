// Channels, categories, priorities and the topics they travel on. The priority is a function of
// the category alone: transactional (one-time codes, receipts) is high, marketing is low, and
// each priority has its own topic per channel and its own workers, so a marketing blast queues
// only behind other marketing. 'shared' routing (one topic per channel) exists as the baseline
// the benchmark measures against.
import { NOTIFICATION_CATEGORIES, NOTIFICATION_CHANNELS } from '@lab/events';

export const CHANNELS = NOTIFICATION_CHANNELS;
export type Channel = (typeof CHANNELS)[number];
export const CATEGORIES = NOTIFICATION_CATEGORIES;
export type Category = (typeof CATEGORIES)[number];
export type Priority = 'high' | 'low';
export type RoutingMode = 'priority' | 'shared';

export function priorityOf(category: Category): Priority {
  return category === 'transactional' ? 'high' : 'low';
}

/** `notify.<channel>.high|low`, or `notify.<channel>.shared` in shared mode. */
export function topicFor(prefix: string, channel: Channel, priority: Priority, mode: RoutingMode): string {
  return `${prefix}notify.${channel}.${mode === 'shared' ? 'shared' : priority}`;
}

/** Every delivery lane (topic and the priority it serves) a mode uses. */
export function lanesOf(
  prefix: string,
  mode: RoutingMode,
): { channel: Channel; priority: Priority | 'shared'; topic: string }[] {
  const priorities: (Priority | 'shared')[] = mode === 'shared' ? ['shared'] : ['high', 'low'];
  return CHANNELS.flatMap((channel) =>
    priorities.map((priority) => ({
      channel,
      priority,
      topic: topicFor(prefix, channel, priority === 'shared' ? 'low' : priority, mode),
    })),
  );
}

// The Kafka topics this service uses: the @lab/events contracts' topics, behind one optional
// prefix (tests give every file its own, so parallel runs never share a topic or a group).
import { notificationRequested, topicsProducedBy, urlClicked, urlCreated, urlDeleted } from '@lab/events';

export type Topics = {
  created: string;
  deleted: string;
  clicked: string;
  notification: string;
  /** Every topic this service produces, to create at start-up. */
  produced: string[];
  /** Consumer group of the click aggregator. */
  aggregatorGroup: string;
};

export function topicsFor(prefix: string): Topics {
  return {
    created: prefix + urlCreated.topic,
    deleted: prefix + urlDeleted.topic,
    clicked: prefix + urlClicked.topic,
    notification: prefix + notificationRequested.topic,
    produced: topicsProducedBy('url-shortener').map((topic) => prefix + topic),
    aggregatorGroup: `${prefix}url-shortener.click-aggregator`,
  };
}

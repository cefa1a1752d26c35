// How values become strings for Redis. Pluggable, but always data-only: JSON by default,
// never eval or a format that can instantiate arbitrary classes from what Redis hands back
// (anyone who can write to Redis must not be able to run code in the service).
export type Serializer = {
  serialize(value: unknown): string;
  deserialize(text: string): unknown;
};

export const jsonSerializer: Serializer = {
  serialize: (value) => JSON.stringify(value),
  deserialize: (text) => JSON.parse(text),
};

// KafkaJS hands headers over as Buffers (or arrays of them for repeated keys); the outbox's headers
// are plain strings, so consumers, the DLQ and replay work with a string map.
import type { IHeaders } from 'kafkajs';

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) strings[name] = value.toString();
  }
  return strings;
}

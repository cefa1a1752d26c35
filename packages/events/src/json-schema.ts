// The JSON Schema (2020-12) form of a contract: what `schemas/<eventType>.json` holds.
import { z } from 'zod';
import type { EventContract } from './contract.ts';

export function jsonSchemaOf(contract: EventContract<z.ZodType>): Record<string, unknown> {
  return {
    $id: `https://system-design-lab.dev/events/${contract.eventType}.json`,
    title: contract.eventType,
    description: `Payload of ${contract.eventType} on topic ${contract.topic}; the Kafka key is the ${contract.aggregateType} id. Produced by ${contract.producers.join(', ')}.`,
    ...z.toJSONSchema(contract.schema, { target: 'draft-2020-12' }),
  };
}

export function schemaFileName(contract: EventContract<z.ZodType>): string {
  return `${contract.eventType}.json`;
}

// Example suite proving the harness: deep-copying one object with JSON round-trip vs structuredClone.
import { alternate, defineSuite, opsPerSecond, ratioOf, resultRow } from '../src/index.ts';

const order = {
  id: 'ord_123',
  customer: { id: 'cus_9', name: 'Ada', tags: ['vip', 'beta'] },
  lines: Array.from({ length: 10 }, (_, i) => ({ sku: `sku_${i}`, quantity: i + 1, price: 9.99 * (i + 1) })),
};

export default defineSuite('example', async () => {
  const measured = await alternate(
    [
      {
        name: 'JSON.parse(JSON.stringify())',
        measure: () => opsPerSecond(() => JSON.parse(JSON.stringify(order))),
      },
      { name: 'structuredClone', measure: () => opsPerSecond(() => structuredClone(order)) },
    ],
    { rounds: 5, warmupRounds: 1 },
  );
  const json = measured.get('JSON.parse(JSON.stringify())');
  const clone = measured.get('structuredClone');
  if (!json || !clone) throw new Error('missing variant');
  return {
    results: [...measured].map(([name, s]) => resultRow(name, 'throughput', 'ops/s', s)),
    ratios: [
      ratioOf(
        'structuredClone/json',
        { ...clone, name: 'structuredClone' },
        { ...json, name: 'JSON.parse(JSON.stringify())' },
      ),
    ],
  };
});

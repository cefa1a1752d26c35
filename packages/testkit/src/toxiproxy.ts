// Fault injection at the dependency: a Toxiproxy proxy sits between the code under test and a
// real Postgres/Redis/Kafka, and the test adds latency, cuts the link or restores it.
// Talks to Toxiproxy's HTTP API (https://github.com/Shopify/toxiproxy#http-api) with fetch.
import { testDependencies } from './dependencies.ts';
import { uniqueName } from './unique-name.ts';

export type ToxicType = 'latency' | 'bandwidth' | 'slow_close' | 'timeout' | 'reset_peer' | 'limit_data';

export type FaultProxy = {
  name: string;
  /** host:port to connect to instead of the real dependency. */
  listen: string;
  host: string;
  port: number;
  /** Adds `ms` (± jitter) of latency to every packet, both directions. */
  addLatency(ms: number, jitterMs?: number): Promise<void>;
  addToxic(
    type: ToxicType,
    attributes: Record<string, number>,
    stream?: 'upstream' | 'downstream',
  ): Promise<void>;
  /** Closes every connection and refuses new ones: the dependency looks down. */
  cut(): Promise<void>;
  /** Removes all toxics and accepts connections again. */
  restore(): Promise<void>;
  remove(): Promise<void>;
};

export async function createFaultProxy(
  label: string,
  upstream: string,
  options: { listen?: string } = {},
): Promise<FaultProxy> {
  const { toxiproxyUrl } = await testDependencies();
  const api = (path: string, init?: RequestInit) => toxiproxyRequest(toxiproxyUrl, path, init);
  const name = uniqueName(label);
  // Port 0 lets Toxiproxy pick a free port; it reports the real one back.
  const created = (await api('/proxies', {
    method: 'POST',
    body: JSON.stringify({ name, upstream, listen: options.listen ?? '127.0.0.1:0', enabled: true }),
  })) as { listen: string };
  const [host, port] = splitHostPort(created.listen);
  let toxicCount = 0;

  const setEnabled = (enabled: boolean) =>
    api(`/proxies/${name}`, { method: 'POST', body: JSON.stringify({ enabled }) });

  const proxy: FaultProxy = {
    name,
    listen: `${host}:${port}`,
    host,
    port,
    addLatency: (ms, jitterMs = 0) => proxy.addToxic('latency', { latency: ms, jitter: jitterMs }),
    async addToxic(type, attributes, stream = 'downstream') {
      toxicCount += 1;
      await api(`/proxies/${name}/toxics`, {
        method: 'POST',
        body: JSON.stringify({ name: `${type}_${toxicCount}`, type, stream, toxicity: 1, attributes }),
      });
    },
    async cut() {
      await setEnabled(false);
    },
    async restore() {
      const toxics = (await api(`/proxies/${name}/toxics`)) as { name: string }[];
      for (const toxic of toxics) await api(`/proxies/${name}/toxics/${toxic.name}`, { method: 'DELETE' });
      await setEnabled(true);
    },
    async remove() {
      await api(`/proxies/${name}`, { method: 'DELETE' });
    },
  };
  return proxy;
}

async function toxiproxyRequest(baseUrl: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(new URL(path, baseUrl), {
    ...init,
    headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) {
    throw new Error(
      `Toxiproxy ${init.method ?? 'GET'} ${path} failed: ${response.status} ${await response.text()}`,
    );
  }
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

function splitHostPort(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at) || '127.0.0.1';
  return [host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host, Number(listen.slice(at + 1))];
}

/** Host and port of a URL such as redis://127.0.0.1:6379 or postgres://u:p@host:5432/db. */
export function hostPortOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port}`;
}

/** The same URL, pointed at the proxy instead of the real dependency. */
export function throughProxy(url: string, proxy: FaultProxy): string {
  const parsed = new URL(url);
  parsed.hostname = proxy.host;
  parsed.port = String(proxy.port);
  return parsed.toString();
}

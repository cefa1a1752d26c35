// Kafka behind Toxiproxy. A plain TCP proxy is not enough for Kafka: the broker returns its own
// advertised address in metadata, and the client then connects there directly, around the proxy.
// KafkaJS lets us supply the socket factory, so every broker connection is dialled to the proxy
// instead (the lab runs one broker, so one proxy covers the cluster). Cutting the proxy then
// really takes Kafka away from the code under test, while other tests keep using the broker.
import net from 'node:net';
import type { ISocketFactory } from 'kafkajs';
import { testDependencies } from './dependencies.ts';
import { createFaultProxy, type FaultProxy } from './toxiproxy.ts';

export type KafkaFaultProxy = {
  proxy: FaultProxy;
  /** Pass as `socketFactory` in `new Kafka({ ... })`. */
  socketFactory: ISocketFactory;
};

export async function createKafkaFaultProxy(label = 'kafka'): Promise<KafkaFaultProxy> {
  const { kafkaBrokers } = await testDependencies();
  const upstream = kafkaBrokers[0];
  if (!upstream) throw new Error('no Kafka broker configured');
  const proxy = await createFaultProxy(label, upstream);
  const socketFactory: ISocketFactory = ({ onConnect }) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port }, onConnect);
    socket.setKeepAlive(true, 30_000);
    return socket;
  };
  return { proxy, socketFactory };
}

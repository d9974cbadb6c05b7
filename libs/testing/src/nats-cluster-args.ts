/** What one node of a test cluster is told, wherever it runs. */
export interface ClusterNodeArgs {
  /** `server_name`: JetStream in a cluster needs every node named. */
  name: string;
  clientPort: number;
  monitorPort: number;
  storeDir: string;
  /** This node's route listener, as `nats://host:port`. */
  route: string;
  /** The other nodes' route listeners. */
  routes: string[];
  clusterName?: string;
}

/**
 * `nats-server` arguments of one cluster node, shared by the local-binary and the container paths
 * so both start the same cluster. `--no_advertise`: clients learn no other node from the server,
 * so failover uses exactly the servers a client was given (and containers' internal addresses,
 * unreachable from the host, are never handed out).
 */
export function clusterArgs(node: ClusterNodeArgs): string[] {
  return [
    ['-p', String(node.clientPort)],
    ['-m', String(node.monitorPort)],
    ['-n', node.name],
    ['-js', '-sd', node.storeDir],
    ['--cluster_name', node.clusterName ?? 'parley-test'],
    ['--cluster', node.route],
    ['--routes', node.routes.join(',')],
    ['--no_advertise=true'],
  ].flat();
}

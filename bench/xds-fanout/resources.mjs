// The xds-fanout data set: M EDS clusters (fetched over ADS) with E endpoints each, as plain
// proto-loader input objects for buildSnapshot(), and the endpoint change a step applies.
// Names are deterministic so the client process can subscribe to them without being told.

/** The name of cluster i (and of its ClusterLoadAssignment). */
export function clusterName(i) {
  return `svc-${String(i).padStart(5, '0')}`;
}

export function clusterNames(count) {
  return Array.from({ length: count }, (_, i) => clusterName(i));
}

function cluster(name) {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
    connect_timeout: { seconds: 1, nanos: 0 },
    lb_policy: 'ROUND_ROBIN',
  };
}

/** Endpoint j of cluster i; `generation` moves the port so a change alters the resource. */
function lbEndpoint(i, j, generation) {
  const address = `10.${(i >> 8) & 255}.${i & 255}.${10 + j}`;
  return {
    endpoint: { address: { socket_address: { address, port_value: 8080 + generation } } },
    health_status: 'HEALTHY',
    load_balancing_weight: { value: 1 },
  };
}

function loadAssignment(i, endpointsPerCluster, generation) {
  return {
    cluster_name: clusterName(i),
    endpoints: [
      {
        locality: { region: 'bench', zone: `zone-${i % 3}`, sub_zone: '' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: Array.from({ length: endpointsPerCluster }, (_, j) => lbEndpoint(i, j, generation)),
      },
    ],
  };
}

/**
 * The resource set with, per cluster index, a generation (0 unless changed). `generations` maps
 * cluster index -> generation for the clusters that changed so far.
 */
export function fanoutResources(clusters, endpointsPerCluster, generations = new Map()) {
  return {
    clusters: Array.from({ length: clusters }, (_, i) => cluster(clusterName(i))),
    endpoints: Array.from({ length: clusters }, (_, i) => loadAssignment(i, endpointsPerCluster, generations.get(i) ?? 0)),
    listeners: [],
    routes: [],
  };
}

/** The cluster index change k (1-based) modifies: spread over the set, never the same twice in a row. */
export function changedClusterIndex(k, clusters) {
  return (k * 7919) % clusters;
}

using Orleans;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>What a node needs to start one worker of a run.</summary>
/// <param name="RunId">The coordinator's run, so a node can stop all of its workers at once.</param>
/// <param name="WorkerId">The worker's id in that run.</param>
/// <param name="Endpoint">HOST:PORT the worker connects to (<c>--connect tcp://HOST:PORT</c>).</param>
/// <param name="Secret">The run's secret, handed to the worker on its standard input; on the wire only inside the silo link (use --tls across machines you do not trust).</param>
/// <param name="TlsPin">With --tls, the SHA-256 hash (hex) of the coordinator's certificate, the only one the worker accepts (<c>--tls-pin</c>); null for plain TCP.</param>
[GenerateSerializer, Immutable]
public sealed record WorkerStartRequest(
    [property: Id(0)] string RunId,
    [property: Id(1)] uint WorkerId,
    [property: Id(2)] string Endpoint,
    [property: Id(3)] byte[] Secret,
    [property: Id(4)] string? TlsPin = null);

using Orleans;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>A node's description.</summary>
/// <param name="Name">Host name and process id of the node.</param>
/// <param name="Address">The silo's advertised address.</param>
/// <param name="Slots">Workers it offers (<c>processfarm node --workers</c>).</param>
/// <param name="Running">Workers of any run running there now.</param>
/// <param name="Started">Workers it started since it began.</param>
[GenerateSerializer, Immutable]
public sealed record NodeStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] int Slots,
    [property: Id(3)] int Running,
    [property: Id(4)] long Started);

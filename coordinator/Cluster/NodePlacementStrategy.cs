using Orleans;
using Orleans.Runtime;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>Places a node grain on the silo its key names, and nowhere else (see <see cref="NodePlacementDirector"/>).</summary>
[GenerateSerializer, Immutable]
public sealed class NodePlacementStrategy : PlacementStrategy
{
    /// <summary>The one instance the attribute hands out.</summary>
    public static NodePlacementStrategy Instance { get; } = new();
}

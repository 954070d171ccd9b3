using Orleans.Placement;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>Marks a grain class whose key is a silo address (<c>SiloAddress.ToParsableString</c>): one activation per node, on that node.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePlacementAttribute : PlacementAttribute
{
    /// <summary>Uses <see cref="NodePlacementStrategy"/>.</summary>
    public NodePlacementAttribute()
        : base(NodePlacementStrategy.Instance)
    {
    }
}

using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// One node grain per silo, on purpose: the grain's key is its silo's address, and the activation goes there. A
/// key naming a silo that is not (or no longer) in the cluster fails the call at once, instead of activating the
/// node's role on some other machine.
/// </summary>
internal sealed class NodePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        var wanted = SiloAddress.FromParsableString(key);
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.Equals(wanted))
            {
                return Task.FromResult(silo);
            }
        }
        throw new OrleansException($"node {key} is not an active member of the cluster");
    }
}

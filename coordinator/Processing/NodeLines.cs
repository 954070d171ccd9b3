using System.Globalization;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Coordinator.Reports;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>The text reports' <c>node</c> lines: one per cluster node, what it did for the run.</summary>
internal static class NodeLines
{
    public static void Write(TextWriter output, IReadOnlyList<NodeReport>? nodes)
    {
        foreach (var node in nodes ?? [])
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"node     {node.Name} at {node.Address}: {Plural.Count(node.Slots, "slot")}, {Plural.Count(node.Workers, "worker")} over the run, {Plural.Count(node.Jobs, "job")}, {node.BytesMoved / 1e6:0.0} MB moved{State(node)}"));
        }
    }

    private static string State(NodeReport node) => (node.Gone, node.Unreachable) switch
    {
        (true, _) => ", gone (membership declared it dead)",
        (false, true) => ", unreachable (a worker could not be started there; membership had not declared it dead yet)",
        _ => string.Empty,
    };
}

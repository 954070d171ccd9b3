using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>A node's own state across the runs of a long-lived farm (<see cref="NodeWorkers"/>).</summary>
public sealed class NodeWorkersTests
{
    [Fact]
    public void Lut_ForManyDistinctParameters_KeepsABoundedNumberOfTables()
    {
        // Every rpc run (or any caller of the node grain) may bring its own ev and gamma: a node that outlives
        // thousands of runs must not keep a pinned table (up to 128 KB with 16 bits) for each of them.
        using var workers = new NodeWorkers("/nonexistent/processfarm-worker", 1, "127.0.0.1", NullLogger.Instance);

        for (int i = 0; i < 1000; i++)
        {
            var parameters = new LutParameters(i / 1000.0, 1.0 + (i / 1000.0));
            Assert.Equal(parameters, workers.Lut(parameters).Parameters);
        }

        Assert.InRange(workers.CachedTables, 1, NodeWorkers.MaxCachedTables);
    }
}

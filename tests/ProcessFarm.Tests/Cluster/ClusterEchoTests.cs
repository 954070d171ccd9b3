using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// <c>echo</c> and <c>tune</c> in cluster mode with real processes on 127.0.0.1: a coordinator hosting the primary
/// silo and one <c>processfarm node</c> whose workers connect back over TCP.
/// </summary>
[Collection(Integration.WorkerCollection.Name)]
public sealed partial class ClusterEchoTests
{
    private static readonly TimeSpan s_runDeadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task EchoInClusterMode_AgainstOneNode_PrintsClusterRpcAndTcpRows_WithPositiveNumbers()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 1);

        // Act
        var result = await cluster.RunAsync(s_runDeadline, "echo", "--mode", "cluster", "--listen", cluster.Listen, "--payload", "bytes", "--size", "1M", "--repeat", "2", "--latency-round-trips", "200");

        // Assert: each row in the bytes table with a positive GB/s, in the cluster table with a ratio to tcp, and in the latency table.
        Assert.True(result.ExitCode == 0, result.Stderr);
        foreach (string mode in new[] { "cluster", "rpc", "tcp" })
        {
            // The bytes table's size column is right-aligned, the cluster table's payload column left-aligned.
            var row = Assert.Single(result.Stdout.Split('\n'), l => Regex.IsMatch(l, @"^\|\s+1 MiB \| " + mode + @"\s"));
            double gbps = double.Parse(ThroughputColumn().Match(row).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(gbps > 0, row);
            var ratio = Assert.Single(result.Stdout.Split('\n'), l => Regex.IsMatch(l, @"^\| 1 MiB\s{2,}\| " + mode + @"\s"));
            Assert.True(double.Parse(RatioColumn().Match(ratio).Groups[1].Value, CultureInfo.InvariantCulture) > 0, ratio);
            Assert.Contains(result.Stdout.Split('\n'), l => LatencyRow().Match(l) is { Success: true } m && m.Groups[1].Value == mode);
        }
        Assert.Matches(@"loopback 127\.0\.0\.1 -> node [^ ]+/\d+ at 127\.0\.0\.1", result.Stdout);
        Assert.Contains("n/a", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EchoInClusterMode_Json_ParsesWithTheThreeRows_AndTheLink()
    {
        // Arrange: pipe beside cluster, so local and cluster rows come from one run.
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 2);

        // Act
        var result = await cluster.RunAsync(s_runDeadline, "echo", "--mode", "pipe,cluster", "--workers", "2", "--listen", cluster.Listen, "--payload", "bytes", "--size", "64K,2M", "--repeat", "1", "--latency-round-trips", "100", "--json");

        // Assert
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["pipe", "cluster", "rpc", "tcp", "pipe", "cluster", "rpc", "tcp"], rows.Select(r => r.GetProperty("mode").GetString()));
        Assert.All(rows, r => Assert.True(r.GetProperty("throughput_gbps").GetDouble() > 0));
        Assert.All(rows.Where(r => r.GetProperty("mode").GetString() != "pipe"), r => Assert.True(r.GetProperty("ratio_to_tcp").GetDouble() > 0));
        Assert.All(rows.Where(r => r.GetProperty("mode").GetString() == "tcp"), r => Assert.Equal(1.0, r.GetProperty("ratio_to_tcp").GetDouble(), 9));
        Assert.All(rows.Where(r => r.GetProperty("mode").GetString() == "rpc"), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("serialize_s").ValueKind));
        var latency = json.RootElement.GetProperty("latency").EnumerateArray().ToList();
        Assert.Equal(["pipe", "cluster", "rpc", "tcp"], latency.Select(l => l.GetProperty("mode").GetString()));
        Assert.All(latency, l => Assert.True(l.GetProperty("p50_us").GetDouble() > 0 && l.GetProperty("p99_us").GetDouble() >= l.GetProperty("p50_us").GetDouble()));
        var run = json.RootElement.GetProperty("cluster");
        Assert.Equal(1, run.GetProperty("nodes").GetInt32());
        Assert.Equal(2, run.GetProperty("workers").GetInt32());
        Assert.StartsWith("loopback 127.0.0.1 -> node ", run.GetProperty("link").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TuneInClusterMode_SweepsWorkersPerNode_UpToTheNodesSlots()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 2);

        // Act: 3 per node is more than the node offers, so it is left out, and said.
        var result = await cluster.RunAsync(s_runDeadline, "tune", "--mode", "cluster", "--workers", "1,2,3", "--listen", cluster.Listen, "--sample-size", "600x400", "--repeat", "2", "--json");

        // Assert
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("cluster leaves out 3 per node", result.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("workers").GetInt32()));
        Assert.All(rows, r => Assert.Equal("cluster", r.GetProperty("mode").GetString()));
        Assert.All(rows, r => Assert.True(r.GetProperty("throughput_gbps").GetDouble() > 0));
        Assert.Contains(json.RootElement.GetProperty("recommended").GetProperty("cluster").GetInt32(), new[] { 1, 2 });
        Assert.Contains("loopback 127.0.0.1 -> node ", json.RootElement.GetProperty("cluster").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EchoInClusterMode_WithoutANode_FailsWithOneLine_ExitCode4()
    {
        using var cluster = new ClusterProcesses();

        var result = await cluster.RunAsync(s_runDeadline, "echo", "--mode", "cluster", "--listen", cluster.Listen, "--node-wait-ms", "500", "--payload", "bytes", "--size", "1K");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("0 of 1 cluster nodes joined", Assert.Single(result.ErrorLines, l => l.StartsWith("processfarm:", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EchoInClusterMode_WithANodeKilledMidRun_EndsWithOneClearLine_ExitCode4()
    {
        // Arrange: two nodes; the rpc and tcp rows go to both in turn, so the dead one's calls fail there.
        using var cluster = new ClusterProcesses();
        var doomed = cluster.StartNode(workers: 1);
        cluster.StartNode(workers: 1);
        var coordinator = cluster.Start(Integration.Cli.StartInfo(Path.GetTempPath(), "echo", "--mode", "cluster", "--listen", cluster.Listen, "--nodes", "2",
            "--payload", "bytes", "--size", "64M", "--repeat", "20", "--latency-round-trips", "0"));

        // Act: SIGKILL a node and its worker once the cluster row's workers run.
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => cluster.LiveWorkers().Count == 2 || coordinator.HasExited, s_runDeadline), "the workers never ran");
        doomed.Kill(entireProcessTree: true);
        bool finished = await ClusterProcesses.WaitUntilAsync(() => coordinator.HasExited, s_runDeadline);

        // Assert: the run ends. A node declared dead before the rpc and tcp rows began is left out of them (exit 0);
        // one that dies under them ends the run with one line of its own (exit 4), never an internal error.
        Assert.True(finished, "echo did not end after a node died");
        var result = await cluster.ResultOfAsync(coordinator);
        Assert.DoesNotContain(result.ErrorLines, l => l.StartsWith("processfarm: internal error", StringComparison.Ordinal));
        if (result.ExitCode != 0)
        {
            Assert.True(result.ExitCode == 4, result.Stderr);
            Assert.Contains("a cluster node left or stopped answering", Assert.Single(result.ErrorLines, l => l.StartsWith("processfarm:", StringComparison.Ordinal)), StringComparison.Ordinal);
        }
    }

    /// <summary>The GB/s column of the bytes table: the number before the "vs fastest" ratio.</summary>
    [GeneratedRegex(@"\|\s+([0-9.]+) \|\s+[0-9.]+x \|$")]
    private static partial Regex ThroughputColumn();

    /// <summary>The "vs tcp" column of the cluster table.</summary>
    [GeneratedRegex(@"^\|[^|]+\|[^|]+\|[^|]+\|\s+([0-9.]+)x \|")]
    private static partial Regex RatioColumn();

    /// <summary>A latency row: mode, then two times.</summary>
    [GeneratedRegex(@"^\| (\w+)\s+\|\s+[0-9.]+ (?:us|ms|ns) \|\s+[0-9.]+ (?:us|ms|ns) \|$")]
    private static partial Regex LatencyRow();
}

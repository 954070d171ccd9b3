using System.Text.Json;
using ProcessFarm.Tests.Integration;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// <c>process --mode cluster --transport rpc</c>: tiles as grain calls to a real node process, the output
/// byte-identical to threads; a wrong transport is a usage error before anything starts.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class RpcTransportTests : IDisposable
{
    private static readonly TimeSpan s_runDeadline = TimeSpan.FromSeconds(90);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ProcessOfAnImage_WithTransportRpc_IsByteIdenticalToThreads()
    {
        // Arrange: RGBA, so alpha must come back untouched; one 6 MB tile, so it travels as two calls (4 MiB cap).
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 2);
        string[] image = ["--sample-size", "1500x1000x4", "--no-stream", "--tile-rows", "1000"];
        string threads = Path.Combine(_directory, "threads.png");
        string rpc = Path.Combine(_directory, "rpc.png");

        // Act
        var expected = await Integration.Cli.RunAsync(_directory, ["process", .. image, "-m", "threads", "-o", threads]);
        var result = await cluster.RunAsync(s_runDeadline, ["process", .. image, "-m", "cluster", "--transport", "rpc", "--listen", cluster.Listen, "--json", "-o", rpc]);

        // Assert
        Assert.Equal(0, expected.ExitCode);
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        Assert.Equal("cluster", report.RootElement.GetProperty("mode").GetString());
        Assert.Equal("rpc", report.RootElement.GetProperty("transport").GetString());
        Assert.Equal(1, report.RootElement.GetProperty("tiles").GetInt32());
        Assert.Equal(10, report.RootElement.GetProperty("pixel_copies").GetInt32());
        Assert.True(File.ReadAllBytes(threads).AsSpan().SequenceEqual(File.ReadAllBytes(rpc)), "the rpc output differs from threads");
        Assert.Empty(cluster.LiveWorkers()); // rpc starts no worker process on the node

        // Without --transport the same run goes as frames to a node's workers, and says so. A new node: under
        // development clustering a node belongs to the coordinator whose silo it joined, and that one has exited.
        using var second = new ClusterProcesses();
        second.StartNode(workers: 2);
        string frames = Path.Combine(_directory, "frames.png");
        var byDefault = await second.RunAsync(s_runDeadline, ["process", .. image, "-m", "cluster", "--listen", second.Listen, "--json", "-o", frames]);
        Assert.True(byDefault.ExitCode == 0, byDefault.Stderr);
        using var defaultReport = JsonDocument.Parse(byDefault.Stdout);
        Assert.Equal("frames", defaultReport.RootElement.GetProperty("transport").GetString());
        Assert.True(File.ReadAllBytes(threads).AsSpan().SequenceEqual(File.ReadAllBytes(frames)), "the frames output differs from threads");
    }

    [Theory]
    [InlineData("pigeon", "--transport")]
    [InlineData("rpc", "--mode cluster")]
    public async Task Process_WrongTransport_IsAUsageError(string transport, string named)
    {
        // Act: pipe mode (no cluster needed); the first is no transport at all, the second needs --mode cluster.
        var result = await Integration.Cli.RunAsync(_directory, "process", "--sample-size", "64x64", "-m", "pipe", "--transport", transport, "-o", Path.Combine(_directory, "out.png"));

        // Assert
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "out.png")));
    }
}

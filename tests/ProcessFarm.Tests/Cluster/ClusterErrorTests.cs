using System.Net;
using System.Net.Sockets;
using ProcessFarm.Tests.Integration;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// Cluster mode's bad situations, as a user meets them: nothing to join, nobody joining, a port taken. Each ends
/// with exit 4 (an environment error) and one line, never a stack trace, and within its deadline.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class ClusterErrorTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Node_JoiningAPortNobodyListensOn_FailsWithOneLine()
    {
        // Arrange: a port that was free a moment ago, so the join is refused.
        int port = ClusterProcesses.FreePort();

        // Act
        using var cluster = new ClusterProcesses();
        var result = await cluster.RunAsync(s_deadline, "node", "--join", $"127.0.0.1:{port}", "--workers", "1");

        // Assert
        Assert.Equal(4, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("processfarm: the cluster silo on 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.Contains($"joining 127.0.0.1:{port}", line, StringComparison.Ordinal);
        // The cause is the innermost exception's first line; which one Orleans nests varies, so only its presence is checked.
        Assert.Matches($"joining 127\\.0\\.0\\.1:{port}: .*(Refused|refused|connect)", line);
    }

    [Fact]
    public async Task Node_AdvertisingAnAddressThisMachineDoesNotHave_IsAUsageError()
    {
        using var cluster = new ClusterProcesses();
        var result = await cluster.RunAsync(s_deadline, "node", "--join", cluster.Listen, "--advertise", "192.0.2.7");

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("processfarm: --advertise 192.0.2.7: not an address of this machine (", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("process", "-m", "threads", "--path-map", "/tmp=/mnt/photos", "--path-map")]
    [InlineData("process", "-m", "pipe", "--tls", "farm.pfx", "--tls")]
    [InlineData("echo", "--mode", "pipe", "--listen", "127.0.0.1:1234", "--listen")]
    [InlineData("tune", "--mode", "threads", "--nodes", "2", "--nodes")]
    public async Task ClusterOptions_WithoutClusterMode_AreRefused_NotIgnored(string command, string modeOption, string mode, string option, string value, string named)
    {
        var result = await Integration.Cli.RunAsync(Path.GetTempPath(), command, modeOption, mode, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"processfarm: {named} applies to --mode cluster only", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Coordinator_WhenNoNodeJoins_GivesUpAtItsDeadline_WithOneLine()
    {
        using var cluster = new ClusterProcesses();
        var result = await cluster.RunAsync(s_deadline, "process", "--sample-size", "64x64", "-m", "cluster", "--listen", cluster.Listen, "--node-wait-ms", "1500", "-o", Path.Combine(Path.GetTempPath(), $"pf-never-{Guid.NewGuid():N}.png"));

        Assert.Equal(4, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Equal($"processfarm: 0 of 1 cluster nodes joined within 1.5 s; start one on each machine with 'processfarm node --join ADDRESS:PORT' (development clustering, primary silo {cluster.Listen})", line);
    }

    [Fact]
    public async Task Coordinator_OnASiloPortInUse_FailsWithOneLine()
    {
        // Arrange: someone else holds the port.
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen(1);
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        // Act
        using var cluster = new ClusterProcesses();
        var result = await cluster.RunAsync(s_deadline, "process", "--sample-size", "64x64", "-m", "cluster", "--listen", $"127.0.0.1:{port}", "--node-wait-ms", "1500", "-o", Path.Combine(Path.GetTempPath(), $"pf-never-{Guid.NewGuid():N}.png"));

        // Assert
        Assert.Equal(4, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"processfarm: the cluster silo on 127.0.0.1:{port} could not start as the primary: ", line, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Tests.Integration;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// --tls with real processes: workers that pin the coordinator's certificate, a coordinator and a node that share a
/// self-signed certificate made by the test, and the clear errors when the two sides disagree.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class ClusterTlsTests : IDisposable
{
    private static readonly TimeSpan s_runDeadline = TimeSpan.FromSeconds(90);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Worker_WithThePinnedCertificate_IsLetIn_AndWithAnotherPin_RefusesTheCoordinator()
    {
        // Arrange
        byte[] secret = new byte[ProtocolLimits.SecretBytes];
        Random.Shared.NextBytes(secret);
        string worker = WorkerLocator.Find(null, out _) ?? throw new InvalidOperationException("processfarm-worker not built");
        using var tls = FarmTls.Load(TestCertificates.CreatePfx(_directory), password: null);
        string otherPin = TestCertificates.Pin(TestCertificates.CreatePfx(_directory, "other"));
        await using var listener = ClusterListener.Start(IPAddress.Loopback, 0, NullLogger.Instance, TimeSpan.FromSeconds(10), tls);
        var trusting = listener.Expect(7, secret);
        var suspicious = listener.Expect(8, secret);

        // Act
        using var good = await WorkerProcess.StartAsync(worker, ["--connect", "tcp://" + listener.Endpoint, "--tls-pin", tls.Pin], 7, secret, NullLogger.Instance);
        trusting.ProcessId.SetResult(good.ProcessId);
        using var wary = await WorkerProcess.StartAsync(worker, ["--connect", "tcp://" + listener.Endpoint, "--tls-pin", otherPin], 8, secret, NullLogger.Instance);
        suspicious.ProcessId.SetResult(wary.ProcessId);
        await using var connection = await trusting.Connection.Task.DefaultTimeout();
        await wary.Exited.DefaultTimeout();

        // Assert: the pinned one proved the secret inside TLS; the other would not talk to a certificate it was not given.
        Assert.Equal(7u, connection.WorkerId);
        Assert.Equal(4, wary.ExitCode); // HandshakeRefused
        Assert.False(suspicious.Connection.Task.IsCompleted);
    }

    [Fact]
    public async Task ProcessOfAnImage_WithTls_IsByteIdenticalToThreads_AndNodesWithoutItsCertificateAreTurnedAway()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        string pfx = TestCertificates.CreatePfx(_directory);
        string threads = Path.Combine(_directory, "threads.png");
        string clustered = Path.Combine(_directory, "cluster.png");
        var expected = await Integration.Cli.RunAsync(_directory, "process", "--sample-size", "900x700", "-m", "threads", "-o", threads);

        // Act: the coordinator waits for a node. One with another certificate is told before it joins; one without
        // --tls when its join has failed (the coordinator drops its plain connections); one with the same file joins.
        var coordinator = cluster.Start(Integration.Cli.StartInfo(_directory, "process", "--sample-size", "900x700", "-m", "cluster", "--listen", cluster.Listen, "--nodes", "1", "--node-wait-ms", "150000", "--tls", pfx, "-o", clustered));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => Accepts(cluster.Port), s_runDeadline), "the coordinator's silo never listened");
        var plainRun = cluster.RunAsync(s_runDeadline, "node", "--join", cluster.Listen, "--workers", "1");
        var stranger = await cluster.RunAsync(s_runDeadline, "node", "--join", cluster.Listen, "--workers", "1", "--tls", TestCertificates.CreatePfx(_directory, "stranger"));
        var plain = await plainRun;
        cluster.Start(Integration.Cli.StartInfo(Path.GetTempPath(), "node", "--join", cluster.Listen, "--workers", "2", "--tls", pfx));
        bool finished = await ClusterProcesses.WaitUntilAsync(() => coordinator.HasExited, s_runDeadline);

        // Assert
        Assert.Equal(0, expected.ExitCode);
        Assert.Equal(4, plain.ExitCode); // EnvironmentError
        Assert.Contains("uses TLS", plain.Stderr, StringComparison.Ordinal);
        Assert.Equal(4, stranger.ExitCode);
        Assert.Contains("uses another certificate", stranger.Stderr, StringComparison.Ordinal);
        Assert.True(finished, "the run with --tls did not finish");
        var result = await cluster.ResultOfAsync(coordinator);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("mode     cluster, 2 worker processes", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(threads), File.ReadAllBytes(clustered));
    }

    [Fact]
    public async Task TlsNode_AgainstAPlainCoordinator_IsToldBeforeItJoins()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        string pfx = TestCertificates.CreatePfx(_directory);
        cluster.Start(Integration.Cli.StartInfo(_directory, "process", "--sample-size", "64x64", "-m", "cluster", "--listen", cluster.Listen, "--nodes", "1", "--node-wait-ms", "60000", "-o", Path.Combine(_directory, "out.png")));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => Accepts(cluster.Port), s_runDeadline), "the coordinator's silo never listened");

        // Act
        var node = await cluster.RunAsync(s_runDeadline, "node", "--join", cluster.Listen, "--workers", "1", "--tls", pfx);

        // Assert: this answer, not the join's own failure once its attempts time out (another message).
        Assert.Equal(4, node.ExitCode);
        Assert.Contains("does not use TLS", node.Stderr, StringComparison.Ordinal);
        Assert.Empty(cluster.LiveWorkers());
    }

    [Theory]
    [InlineData("missing", "no such file")]
    [InlineData("keyless", "without its private key")]
    [InlineData("garbage", "cannot use")]
    public async Task Tls_WithAnUnusableFile_IsAUsageError_OnOneLine(string kind, string message)
    {
        // Arrange
        string pfx = Path.Combine(_directory, kind + ".pfx");
        if (kind == "keyless")
        {
            TestCertificates.CreatePfx(_directory, kind, withKey: false);
        }
        else if (kind == "garbage")
        {
            File.WriteAllText(pfx, "not a certificate");
        }

        // Act
        var process = await Integration.Cli.RunAsync(_directory, "process", "--sample-size", "64x64", "-m", "cluster", "--tls", pfx, "-o", Path.Combine(_directory, "out.png"));
        var node = await Integration.Cli.RunAsync(_directory, "node", "--join", "127.0.0.1:1", "--tls", pfx);

        // Assert
        foreach (var result in new[] { process, node })
        {
            Assert.Equal(2, result.ExitCode);
            string line = Assert.Single(result.ErrorLines);
            Assert.Contains("--tls", line, StringComparison.Ordinal);
            Assert.Contains(message, line, StringComparison.Ordinal);
        }
    }

    private static bool Accepts(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

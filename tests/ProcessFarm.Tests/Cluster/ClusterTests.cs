using System.Diagnostics;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Tests.Integration;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// The cluster mode with real processes on 127.0.0.1: a coordinator (<c>--mode cluster</c>, hosting the primary
/// silo) and two <c>processfarm node</c> processes whose workers connect back over TCP.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed partial class ClusterTests : IDisposable
{
    private static readonly TimeSpan s_runDeadline = TimeSpan.FromSeconds(90);
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ProcessOfAnImage_InClusterMode_IsByteIdenticalToThreads()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 2);
        cluster.StartNode(workers: 2);
        string threads = Path.Combine(_directory, "threads.png");
        string clustered = Path.Combine(_directory, "cluster.png");

        // Act
        var expected = await Integration.Cli.RunAsync(_directory, "process", "--sample-size", "900x700", "-m", "threads", "-o", threads);
        var result = await RunAsync(cluster, "process", "--sample-size", "900x700", "-m", "cluster", "--listen", cluster.Listen, "--nodes", "2", "-o", clustered);

        // Assert
        Assert.Equal(0, expected.ExitCode);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("mode     cluster, 4 worker processes", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(threads), File.ReadAllBytes(clustered));
    }

    [Fact]
    public async Task BatchWithANodeKilledMidway_WritesEveryFile_ExitsZero_AndResumesWithSkipExisting()
    {
        // Arrange: 24 files, one worker per node, so the batch is still running when a node dies.
        using var cluster = new ClusterProcesses();
        var doomed = cluster.StartNode(workers: 1);
        cluster.StartNode(workers: 1);
        string photos = Path.Combine(_directory, "photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 24; i++)
        {
            WriteSample(Path.Combine(photos, $"p{i:00}.png"), new ImageGeometry(1200, 900, 3));
        }
        string expectedDirectory = Path.Combine(_directory, "threads");
        string output = Path.Combine(_directory, "cluster");
        Assert.Equal(0, (await Integration.Cli.RunAsync(_directory, "process", photos, "-m", "threads", "-o", expectedDirectory)).ExitCode);

        // Act: SIGKILL the node and its workers once the first outputs are written.
        var coordinator = cluster.Start(Integration.Cli.StartInfo(_directory, "process", photos, "-m", "cluster", "--listen", cluster.Listen, "--nodes", "2", "-o", output, "-v"));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => Directory.Exists(output) && Directory.GetFiles(output, "*.png").Length >= 2, s_runDeadline), "no output appeared");
        var workersOfDoomed = WorkersOf(doomed.Id);
        doomed.Kill(entireProcessTree: true);
        var killed = Stopwatch.StartNew();
        bool finished = await ClusterProcesses.WaitUntilAsync(() => coordinator.HasExited, s_runDeadline);

        // Assert
        Assert.True(finished, "the batch did not finish after the node died");
        var run = await cluster.ResultOfAsync(coordinator);
        Assert.True(run.ExitCode == 0, string.Join('\n', run.ErrorLines.Where(l => l.StartsWith("processfarm:", StringComparison.Ordinal) || l.StartsWith('['))));
        Assert.NotEmpty(workersOfDoomed);
        AssertSameFiles(expectedDirectory, output);
        // Both nodes are in the report; whether the dead one shows as gone depends on whether membership declared it
        // (seconds) before the batch ended, so only its presence is certain.
        Assert.Equal(2, run.Stdout.Split('\n').Count(l => l.StartsWith("node ", StringComparison.Ordinal)));
        Assert.Contains(run.Stdout.Split('\n'), l => l.StartsWith("node ", StringComparison.Ordinal) && l.Contains("/" + doomed.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));

        // A resumed batch leaves the finished files alone and sweeps what the dead workers left.
        File.Delete(Path.Combine(output, "p05.png"));
        var resumed = await RunAsync(cluster, "process", photos, "-m", "threads", "-o", output, "--skip-existing");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("23 of 24 outputs exist already", resumed.Stderr, StringComparison.Ordinal);
        AssertSameFiles(expectedDirectory, output);
        Assert.Empty(Directory.GetFiles(output, ".*.tmp"));
        Assert.True(killed.Elapsed < s_runDeadline);
    }

    [Fact]
    public async Task NodeKilledWhileItsWorkerStarts_TheLaunchFailsWhenMembershipSaysSo_NotAtTheReadyTimeout()
    {
        // Arrange: the doomed node's workers hang before connecting, so its launch is pending when it dies.
        using var cluster = new ClusterProcesses();
        var info = Integration.Cli.StartInfo(Path.GetTempPath(), "node", "--join", cluster.Listen, "--workers", "1");
        info.Environment["PROCESSFARM_TEST_FAULT"] = "*:hang:start";
        var doomed = cluster.Start(info);
        cluster.StartNode(workers: 1);
        string output = Path.Combine(_directory, "out.png");
        var coordinator = cluster.Start(Integration.Cli.StartInfo(_directory, "process", "--sample-size", "900x700", "-m", "cluster", "--listen", cluster.Listen, "--nodes", "2", "-o", output));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => WorkersOf(doomed.Id).Count > 0 || coordinator.HasExited, s_runDeadline), "the doomed node never started a worker");

        // Act
        doomed.Kill(entireProcessTree: true);

        // Assert: membership declares the node dead within seconds (FarmSilo's probes); the launch waiting for its
        // worker must end then and go to the other node, not wait out the 30 s ready timeout.
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => coordinator.HasExited, TimeSpan.FromSeconds(20)), "the run still waits for a worker of a dead node");
        var run = await cluster.ResultOfAsync(coordinator);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task CoordinatorKilled_LeavesNoWorkerOnAnyNode()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 2);
        cluster.StartNode(workers: 2);
        string photos = Path.Combine(_directory, "photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 16; i++)
        {
            WriteSample(Path.Combine(photos, $"p{i:00}.png"), new ImageGeometry(1600, 1200, 3));
        }
        string output = Path.Combine(_directory, "out");
        var shmBefore = Directory.GetFiles("/dev/shm").ToHashSet();

        // Act
        var coordinator = cluster.Start(Integration.Cli.StartInfo(_directory, "process", photos, "-m", "cluster", "--listen", cluster.Listen, "--nodes", "2", "-o", output));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => cluster.LiveWorkers().Count == 4, s_runDeadline), "the four workers never ran");
        coordinator.Kill(); // SIGKILL, the coordinator alone: the nodes stay
        coordinator.WaitForExit();

        // Assert: the workers' connections closed, so they exited on every node within seconds.
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => cluster.LiveWorkers().Count == 0, TimeSpan.FromSeconds(10)),
            $"workers left running: {string.Join(", ", cluster.LiveWorkers())}");
        Assert.Empty(Directory.GetFiles("/dev/shm").Except(shmBefore));
        Assert.Empty(Directory.EnumerateDirectories(Path.GetTempPath(), $"processfarm-{coordinator.Id}-*"));
    }

    [Fact]
    public async Task NodeJoiningDuringABatch_GetsWork_AndTheReportSaysSo()
    {
        // Arrange: one node with one worker, and enough files that the batch outlasts a second node's start-up.
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 1);
        string photos = Path.Combine(_directory, "photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 40; i++)
        {
            WriteSample(Path.Combine(photos, $"p{i:00}.png"), new ImageGeometry(1600, 1200, 3));
        }
        string output = Path.Combine(_directory, "out");

        // Act: the second node starts once the batch is under way.
        var coordinator = cluster.Start(Integration.Cli.StartInfo(_directory, "process", photos, "-m", "cluster", "--listen", cluster.Listen, "--nodes", "1", "-o", output, "--format", "json"));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => Directory.Exists(output) && Directory.GetFiles(output, "*.png").Length >= 1, s_runDeadline), "no output appeared");
        int writtenWhenJoining = Directory.GetFiles(output, "*.png").Length;
        var late = cluster.StartNode(workers: 1);
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => coordinator.HasExited, s_runDeadline), "the batch did not finish");
        var run = await cluster.ResultOfAsync(coordinator);

        // Assert: every file written, and the node that came late answered some of them.
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.True(writtenWhenJoining < 40, "the batch was over before the second node started: the test proves nothing");
        Assert.Equal(40, Directory.GetFiles(output, "*.png").Length);
        using var report = System.Text.Json.JsonDocument.Parse(run.Stdout);
        var nodes = report.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(2, nodes.Count);
        Assert.EndsWith("/" + late.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), nodes[1].GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.True(nodes[1].GetProperty("jobs").GetInt64() > 0, run.Stdout);
        Assert.True(nodes[1].GetProperty("bytes_moved").GetInt64() > 0, run.Stdout);
        Assert.Equal(40, nodes.Sum(n => n.GetProperty("jobs").GetInt64()));
    }

    [SkippableFact]
    public async Task RedisClustering_NodesJoinThroughRedis_AndABatchRuns()
    {
        // Arrange: a real redis-server on a free port, gone with the test (scripts/setup.sh --test installs it).
        Skip.If(!File.Exists("/usr/bin/redis-server"), "redis-server is not installed (scripts/setup.sh --test installs it)");
        using var cluster = new ClusterProcesses();
        int redisPort = ClusterProcesses.FreePort();
        var redis = cluster.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        string url = $"redis://127.0.0.1:{redisPort}";
        cluster.StartNode(workers: 1, redis: url);
        cluster.StartNode(workers: 1, redis: url);
        string photos = Path.Combine(_directory, "photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 4; i++)
        {
            WriteSample(Path.Combine(photos, $"p{i}.png"), new ImageGeometry(300, 200, 3));
        }

        // Act: two coordinators one after the other; the nodes outlive the first.
        var first = await RunAsync(cluster, "process", photos, "-m", "cluster", "--cluster", url, "--listen", cluster.Listen, "--nodes", "2", "-o", Path.Combine(_directory, "a"));
        var second = await RunAsync(cluster, "process", photos, "-m", "cluster", "--cluster", url, "--listen", $"127.0.0.1:{ClusterProcesses.FreePort()}", "--nodes", "2", "-o", Path.Combine(_directory, "b"));

        // Assert
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(_directory, "b"), "*.png").Length);
        Assert.False(redis.HasExited);
    }

    private static Task<Integration.Cli.Result> RunAsync(ClusterProcesses cluster, params string[] args) => cluster.RunAsync(s_runDeadline, args);

    private static List<int> WorkersOf(int nodeProcessId) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == nodeProcessId)];

    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 4)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void AssertSameFiles(string expectedDirectory, string actualDirectory)
    {
        var expected = Directory.GetFiles(expectedDirectory, "*.png").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(expected, Directory.GetFiles(actualDirectory, "*.png").Select(Path.GetFileName).Order().ToArray());
        foreach (string? name in expected)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDirectory, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDirectory, name!))), $"{name} differs");
        }
    }

    private static void WriteSample(string path, ImageGeometry geometry)
    {
        using var sample = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(sample);
        ImageFile.Save(path, sample.Span, geometry);
    }
}

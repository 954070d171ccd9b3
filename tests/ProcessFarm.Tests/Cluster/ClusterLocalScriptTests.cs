using System.Diagnostics;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Tests.Integration;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// scripts/cluster-local.sh, as a user runs it: a coordinator and two nodes on 127.0.0.1 on free ports, and nothing
/// of them left once it ends, by its own end or by a signal.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class ClusterLocalScriptTests : IDisposable
{
    private static readonly string s_script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../scripts/cluster-local.sh"));
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Batch_ThroughTwoLocalNodes_EqualsThreads_AndLeavesNoProcess()
    {
        // Arrange
        using var cluster = new ClusterProcesses();
        string photos = Path.Combine(_directory, "photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 6; i++)
        {
            using var sample = PixelBuffer.Allocate(new ImageGeometry(640, 480, 3));
            SampleImage.Generate(sample);
            ImageFile.Save(Path.Combine(photos, $"p{i}.png"), sample.Span, new ImageGeometry(640, 480, 3));
        }
        Assert.Equal(0, (await Integration.Cli.RunAsync(_directory, "process", photos, "-m", "threads", "-o", Path.Combine(_directory, "threads"))).ExitCode);

        // Act
        var script = cluster.Start(Script("--workers-per-node", "1", "process", photos, "-o", Path.Combine(_directory, "cluster")));
        bool ended = await ClusterProcesses.WaitUntilAsync(() => script.HasExited, TimeSpan.FromSeconds(90));
        var result = await cluster.ResultOfAsync(script);

        // Assert
        Assert.True(ended, "the script did not end");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(2, result.Stdout.Split('\n').Count(l => l.StartsWith("node ", StringComparison.Ordinal)));
        foreach (string expected in Directory.GetFiles(Path.Combine(_directory, "threads")))
        {
            Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(Path.Combine(_directory, "cluster", Path.GetFileName(expected))));
        }
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => cluster.Live().Count == 0, TimeSpan.FromSeconds(5)), $"left running: {string.Join(", ", cluster.Live())}");
    }

    [Fact]
    public async Task SigtermMidRun_StopsCoordinatorNodesAndWorkers()
    {
        // Arrange: an image big enough to be mid-run when the signal comes.
        using var cluster = new ClusterProcesses();
        var script = cluster.Start(Script("process", "--sample-size", "8000x6000", "-o", Path.Combine(_directory, "big.png")));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => cluster.LiveWorkers().Count == 4 || script.HasExited, TimeSpan.FromSeconds(60)), "the workers never ran");
        Assert.False(script.HasExited, "the run ended before the signal: the test proves nothing");

        // Act
        Process.Start("kill", ["-TERM", script.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        bool ended = await ClusterProcesses.WaitUntilAsync(() => script.HasExited, TimeSpan.FromSeconds(30));

        // Assert: 143 (SIGTERM), no output, and no coordinator, node or worker of this test left.
        Assert.True(ended, "the script did not end after SIGTERM");
        Assert.Equal(143, (await cluster.ResultOfAsync(script)).ExitCode);
        Assert.False(File.Exists(Path.Combine(_directory, "big.png")));
        Assert.True(await ClusterProcesses.WaitUntilAsync(() => cluster.Live().Count == 0, TimeSpan.FromSeconds(5)), $"left running: {string.Join(", ", cluster.Live())}");
    }

    private ProcessStartInfo Script(params string[] args)
    {
        var info = new ProcessStartInfo(s_script)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        info.ArgumentList.Add("--farm");
        info.ArgumentList.Add(Integration.Cli.Executable);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Cli;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Workers that crash (SIGKILL) or stop answering mid-run, injected with PROCESSFARM_TEST_FAULT: the run replaces
/// them, re-runs their tiles, and its output equals a fault-free run.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class FaultRecoveryTests
{
    private static readonly ImageGeometry s_geometry = new(320, 240, 3);

    [Theory]
    [InlineData("pipe", "crash")]
    [InlineData("pipe", "hang")]
    [InlineData("shm", "crash")]
    [InlineData("shm", "hang")]
    public async Task FailedWorker_IsReplaced_AndTheOutputIsUnchanged(string mode, string fault)
    {
        byte[] expected = await ModeEquivalenceTests.RunAsync(new InProcessEngine(ExecutionMode.Serial, 1), s_geometry, s_geometry.Height);
        await using var engine = CreateEngine(mode, $"0:{fault}:1", maxRestarts: 3);

        var (pixels, stats) = await RunAsync(engine);

        Assert.Equal(expected, pixels);
        Assert.Equal(1, stats.WorkersReplaced);
        Assert.True(stats.TilesRetried >= 1, $"{stats.TilesRetried} tiles retried");
    }

    [Fact]
    public async Task FailedWorker_BeyondTheRestartLimit_FailsTheRun_NamingIt()
    {
        await using var engine = CreateEngine("pipe", "0:crash:1", maxRestarts: 0);

        var error = await Assert.ThrowsAsync<WorkerFailedException>(() => RunAsync(engine));

        Assert.Contains("worker 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("0 replacements", error.Message, StringComparison.Ordinal);
    }

    private static WorkerEngine CreateEngine(string mode, string fault, int maxRestarts) => WorkerEngine.Create(
        ExecutionModes.Parse(mode),
        2,
        new SupervisorOptions
        {
            Environment = new Dictionary<string, string> { ["PROCESSFARM_TEST_FAULT"] = fault },
            InFlight = 2,
            JobTimeout = TimeSpan.FromMilliseconds(500),
            MaxRestarts = maxRestarts,
        },
        Environment.GetEnvironmentVariable("PF_DEBUG") == "1" ? LineLogger.For(Console.Error, verbose: true) : NullLogger.Instance);

    private static async Task<(byte[] Pixels, EngineRunStats Stats)> RunAsync(IExecutionEngine engine)
    {
        await engine.StartAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        using var image = engine.CreateImage(s_geometry);
        SampleImage.Generate(image);
        var stats = await engine.RunAsync(image, new TileLayout(s_geometry, 4), new LutParameters(0.6, 1.7), TestHelpers.TimeoutToken()).DefaultTimeout();
        return (engine.ResultOf(image).Span.ToArray(), stats);
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// The supervisor against the faults that broke per-strip supervision (issue 13): one engine runs many strips, as a
/// streamed image does, while workers die at chosen moments; the counts must be the command's true counts and the
/// output must equal a fault-free run.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class SupervisionTests
{
    private static readonly ImageGeometry s_geometry = new(320, 240, 3);
    private static readonly LutParameters s_parameters = new(0.6, 1.7);

    [Theory]
    [InlineData("pipe")]
    [InlineData("shm")]
    public async Task OneWorkerKilledMidStream_CostsOneReplacement_ForTheWholeCommand(string mode)
    {
        byte[] expected = await ModeEquivalenceTests.RunAsync(new InProcessEngine(ExecutionMode.Serial, 1), s_geometry, s_geometry.Height);
        await using var engine = Create(mode, "0:crash:5"); // worker 0 dies as its 5th tile arrives, in the 2nd strip

        byte[] actual = await RunStripsAsync(engine, stripRows: 16, tileRows: 4); // 15 strips of 4 tiles

        Assert.Equal(expected, actual);
        var stats = engine.Supervisor!.Stats;
        Assert.Equal(1, stats.Deaths);
        Assert.Equal(1, stats.Replacements);
        Assert.Equal(3, stats.WorkersStarted);
        Assert.Equal(0, stats.RepliesUnmatched);
        await WaitForReadyWorkersAsync(engine.Supervisor, 2); // the replacement outlives the strip it was started in
    }

    [Theory]
    [InlineData("pipe")]
    [InlineData("shm")]
    public async Task RestartBudget_CountsForTheWholeRun_NotPerStrip(string mode)
    {
        // Every worker, replacements included, dies at its 3rd tile: 15 strips would each stay within a
        // per-strip budget of 3, the run does not.
        await using var engine = Create(mode, "*:crash:3", maxRestarts: 3);

        var error = await Assert.ThrowsAsync<WorkerFailedException>(() => RunStripsAsync(engine, stripRows: 16, tileRows: 4));

        Assert.Contains("giving up after 3 replacements in this run", error.Message, StringComparison.Ordinal);
        var stats = engine.Supervisor!.Stats;
        Assert.Equal(3, stats.Replacements);
        Assert.Equal(5, stats.WorkersStarted);
    }

    [Theory]
    [InlineData("pipe")]
    [InlineData("shm")]
    public async Task WorkerDyingBeforeItConnects_IsReplaced_AndCountedOnce(string mode)
    {
        byte[] expected = await ModeEquivalenceTests.RunAsync(new InProcessEngine(ExecutionMode.Serial, 1), s_geometry, s_geometry.Height);
        await using var engine = Create(mode, "0:crash:start");

        byte[] actual = await RunStripsAsync(engine, stripRows: 60, tileRows: 15);

        Assert.Equal(expected, actual);
        var stats = engine.Supervisor!.Stats;
        Assert.Equal(1, stats.Deaths);
        Assert.Equal(3, stats.WorkersStarted);
    }

    [Fact]
    public async Task ReplacementDyingAsItAttaches_IsReplacedAgain_AndTheRunCompletes()
    {
        byte[] expected = await ModeEquivalenceTests.RunAsync(new InProcessEngine(ExecutionMode.Serial, 1), s_geometry, s_geometry.Height);
        // Worker 0 dies at its first tile; its replacement (worker 2) dies as it maps the region; worker 3 takes over.
        await using var engine = Create("shm", "0:crash:1;2:crash:attach");
        await RunStripsAsync(engine, stripRows: 60, tileRows: 15);
        await WaitForReadyWorkersAsync(engine.Supervisor!, 2); // worker 2 is in, not yet prepared for the region

        byte[] actual = await RunStripsAsync(engine, stripRows: 60, tileRows: 15); // a new region: worker 2 maps it and dies

        Assert.Equal(expected, actual);
        var stats = engine.Supervisor!.Stats;
        Assert.Equal(2, stats.Deaths);
        Assert.Equal(4, stats.WorkersStarted);
    }

    [Fact]
    public async Task WorkersThatAllDieAtStart_FailTheStartAtOnce_WithTheirExitCode()
    {
        var started = Stopwatch.GetTimestamp();
        // A generous ready timeout: a start failure must be seen when the process exits, not when the wait ends.
        var options = Options("*:crash:start", maxRestarts: 2) with { ReadyTimeout = TimeSpan.FromMinutes(5) };

        var error = await Assert.ThrowsAsync<WorkerFailedException>(() => WorkerSupervisor.StartAsync(2, options, NullLogger.Instance, TestHelpers.TimeoutToken()).DefaultTimeout());

        Assert.Contains("exited with code 137 before it was ready", error.Message, StringComparison.Ordinal);
        Assert.Contains("giving up after 2 replacements", error.Message, StringComparison.Ordinal);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(20), $"took {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task StoppedWorker_HoldingTiles_IsKilledAtTheJobTimeout_AndItsTilesRunElsewhere()
    {
        byte[] expected = await ModeEquivalenceTests.RunAsync(new InProcessEngine(ExecutionMode.Serial, 1), s_geometry, s_geometry.Height);
        await using var engine = Create("pipe", fault: null, jobTimeout: TimeSpan.FromSeconds(1));
        await engine.StartAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        var stopped = engine.Supervisor!.Workers[0];
        Signal("STOP", stopped.Hello!.ProcessId); // SIGSTOP: alive, holding its socket, answering nothing

        byte[] actual = await RunStripsAsync(engine, stripRows: 60, tileRows: 15);

        Assert.Equal(expected, actual);
        Assert.Equal(1, engine.Supervisor.Stats.Deaths);
        Assert.DoesNotContain(engine.Supervisor.Workers, w => w.WorkerId == stopped.WorkerId);
    }

    [Fact]
    public async Task JobIds_AreNeverReused_AcrossSetsOnTheSameWorkers()
    {
        await using var supervisor = await WorkerSupervisor.StartAsync(2, SupervisorOptions.Default, NullLogger.Instance, TestHelpers.TimeoutToken()).DefaultTimeout();
        var ids = new List<ulong>();
        for (int round = 0; round < 5; round++)
        {
            var set = new JobSet();
            for (int i = 0; i < 20; i++)
            {
                set.Add(new FibJob(set, 5, ids));
            }
            supervisor.Submit(set);
            await set.WaitAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        }

        Assert.Equal(100, ids.Count);
        Assert.Equal(100, ids.Distinct().Count());
    }

    /// <summary>
    /// Many short runs of wide tiles (each larger than the socket's buffer, so sends finish on the writer thread
    /// while replies already arrive) and odd shapes: every tile answered and matched exactly once, no worker
    /// timed out, output exact. The per-strip runs before the supervisor lost a reply here about once in 750
    /// strips (a late cancellation left the pipe writer's next flush canceled, its frame never sent).
    /// </summary>
    [Fact]
    public async Task ManyShortRuns_OfWideTiles_EveryReplyMatchedExactlyOnce()
    {
        var geometry = new ImageGeometry(22_000, 48, 3); // 66,000-byte rows
        await using var engine = Create("pipe", fault: null, jobTimeout: TimeSpan.FromSeconds(10));
        await engine.StartAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        using var image = engine.CreateImage(geometry);
        SampleImage.Generate(image);
        byte[] source = image.Span.ToArray();
        var serial = new InProcessEngine(ExecutionMode.Serial, 1);
        using var reference = serial.CreateImage(geometry);
        int tiles = 0;
        var random = new Random(13);
        for (int run = 0; run < 1500; run++)
        {
            int rows = 1 + random.Next(geometry.Height);
            int first = random.Next(geometry.Height - rows + 1);
            var layout = new TileLayout(geometry, 1 + random.Next(6), first, rows);
            var stats = await engine.RunAsync(image, layout, s_parameters, TestHelpers.TimeoutToken()).DefaultTimeout();
            tiles += stats.Tiles;
        }

        var counts = engine.Supervisor!.Stats;
        Assert.Equal(0, counts.Deaths);
        Assert.Equal(tiles, counts.RepliesMatched);
        Assert.Equal(0, counts.RepliesUnmatched);
        // The image was transformed in place run after run; the last run covered some window: check it whole.
        source.CopyTo(image.Span);
        source.CopyTo(reference.Span);
        var all = new TileLayout(geometry, 5);
        await engine.RunAsync(image, all, s_parameters, TestHelpers.TimeoutToken()).DefaultTimeout();
        await serial.RunAsync(reference, all, s_parameters, TestHelpers.TimeoutToken());
        Assert.True(image.Span.SequenceEqual(reference.Span));
    }

    private static WorkerEngine Create(string mode, string? fault, int maxRestarts = 3, TimeSpan? jobTimeout = null) =>
        WorkerEngine.Create(ExecutionModes.Parse(mode), 2, Options(fault, maxRestarts) with { JobTimeout = jobTimeout ?? TimeSpan.FromSeconds(5) }, NullLogger.Instance);

    private static SupervisorOptions Options(string? fault, int maxRestarts) => new()
    {
        Environment = fault is null ? null : new Dictionary<string, string> { ["PROCESSFARM_TEST_FAULT"] = fault },
        MaxRestarts = maxRestarts,
    };

    /// <summary>Runs the image through the engine in strips of <paramref name="stripRows"/>, one run each, as streaming does.</summary>
    private static async Task<byte[]> RunStripsAsync(IExecutionEngine engine, int stripRows, int tileRows)
    {
        await engine.StartAsync(TestHelpers.TimeoutToken()).DefaultTimeout();
        using var image = engine.CreateImage(s_geometry);
        SampleImage.Generate(image);
        for (int first = 0; first < s_geometry.Height; first += stripRows)
        {
            var layout = new TileLayout(s_geometry, tileRows, first, Math.Min(stripRows, s_geometry.Height - first));
            await engine.RunAsync(image, layout, s_parameters, TestHelpers.TimeoutToken()).DefaultTimeout();
        }
        return engine.ResultOf(image).Span.ToArray();
    }

    private static async Task WaitForReadyWorkersAsync(WorkerSupervisor supervisor, int count)
    {
        var deadline = Stopwatch.GetTimestamp();
        while (supervisor.Workers.Count < count)
        {
            Assert.True(Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(20), $"only {supervisor.Workers.Count} of {count} workers became ready");
            await Task.Delay(10);
        }
    }

    private static void Signal(string signal, int processId)
    {
        using var kill = Process.Start("kill", ["-" + signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>fib(n) on some worker, noting the id each attempt was sent with.</summary>
    private sealed class FibJob(JobSet set, int n, List<ulong> ids) : WorkerJob(set)
    {
        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            lock (ids)
            {
                ids.Add(id);
            }
            frames.WriteJob(id, new FibParameters(n));
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result)
        {
        }

        public override void OnError(WorkerConnection worker, ErrorMessage error) => Set!.Fail(new InvalidOperationException(error.Message));

        public override void OnFailed(Exception reason) => Set!.Fail(reason);
    }
}

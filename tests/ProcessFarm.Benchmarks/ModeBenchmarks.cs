using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Benchmarks;

/// <summary>
/// The process step of every mode on a warm engine (pool started, region attached): 24 MP RGB sample, 2 workers.
/// The LUT is applied to the same buffer each iteration, so every iteration does identical work.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class ModeBenchmarks
{
    private PixelBuffer _image = null!;
    private IExecutionEngine _engine = null!;
    private TileLayout _layout = null!;

    [Params("serial", "threads", "pipe", "shm")]
    public string Mode { get; set; } = "serial";

    [Params(2)]
    public int Workers { get; set; }

    [Params(16, 250)]
    public int TileRows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var mode = ExecutionModes.Parse(Mode);
        _engine = mode is ExecutionMode.Pipe or ExecutionMode.Shm
            ? WorkerEngine.Create(mode, Workers, new SupervisorOptions { WorkerPath = BenchmarkPaths.Worker }, NullLogger.Instance)
            : new InProcessEngine(mode, Workers);
        _engine.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _image = _engine.CreateImage(SampleImage.DefaultGeometry);
        SampleImage.Generate(_image);
        _layout = new TileLayout(_image.Geometry, TileRows);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _image.Dispose();
        _engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public Task Process() => _engine.RunAsync(_image, _layout, new LutParameters(0.5, 1.2), CancellationToken.None);
}

using BenchmarkDotNet.Attributes;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Benchmarks;

/// <summary>
/// The process step (the LUT pass, no decode or encode) of serial vs threads, on a 40 MP RGB image
/// (7728 x 5152 x 3 = 119.4 MB) and on the article's 130.5 M-byte buffer (viewed as 14500 x 3000 x 3).
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class ThreadsBenchmarks
{
    private PixelBuffer _image = null!;
    private IExecutionEngine _engine = null!;
    private TileLayout _layout = null!;

    [Params("40MP", "130.5MB")]
    public string Image { get; set; } = "40MP";

    [Params("serial", "threads")]
    public string Mode { get; set; } = "serial";

    [Params(2, 4)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var geometry = Image == "40MP" ? new ImageGeometry(7728, 5152, 3) : new ImageGeometry(14500, 3000, 3);
        _engine = new InProcessEngine(ExecutionModes.Parse(Mode), Threads);
        _image = _engine.CreateImage(geometry);
        SampleImage.Generate(_image);
        _layout = new TileLayout(geometry, TileLayout.DefaultTileRows(geometry, Threads, 4));
    }

    [GlobalCleanup]
    public void Cleanup() => _image.Dispose();

    [Benchmark]
    public Task Process() => _engine.RunAsync(_image, _layout, new LutParameters(0.5, 1.2), CancellationToken.None);
}

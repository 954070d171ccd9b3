using System.Diagnostics;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// The serial and threads modes: the kernel runs in this process on the image buffer itself, so no pixel is
/// ever copied. Serial is one pass over the whole buffer; threads runs tiles on N threads.
/// </summary>
internal sealed class InProcessEngine : IExecutionEngine
{
    public InProcessEngine(ExecutionMode mode, int workers)
    {
        if (mode is not (ExecutionMode.Serial or ExecutionMode.Threads))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "in-process modes are serial and threads");
        }
        Mode = mode;
        Workers = mode == ExecutionMode.Serial ? 1 : workers;
    }

    public ExecutionMode Mode { get; }

    public int Workers { get; }

    public int PixelCopies => 0;

    public Workers.SupervisorStats? WorkerStats => null;

    public double WorkerStartMs => 0;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public PixelBuffer CreateImage(ImageGeometry geometry) => PixelBuffer.Allocate(geometry);

    public PixelBuffer ResultOf(PixelBuffer image) => image;

    public Task<EngineRunStats> RunAsync(PixelBuffer image, TileLayout layout, LutParameters parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lut = LookupTable.Create(parameters);
        long started = Stopwatch.GetTimestamp();
        int tiles;
        if (Mode == ExecutionMode.Serial)
        {
            lut.ApplyInPlace(image.Rows(layout.FirstRow, layout.RowCount), image.Geometry.Layout);
            tiles = 1;
        }
        else
        {
            ParallelTileIterator.Run(layout, Workers, new LutTileOperation(lut, image));
            tiles = layout.Count;
        }
        return Task.FromResult(new EngineRunStats(tiles, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private readonly struct LutTileOperation(LookupTable lut, PixelBuffer image) : ITileOperation
    {
        public void Invoke(in Tile tile) => lut.ApplyInPlace(image.Rows(tile.FirstRow, tile.RowCount), image.Geometry.Layout);
    }
}

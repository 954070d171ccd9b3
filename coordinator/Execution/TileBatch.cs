using System.Diagnostics;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// One pass of the LUT over a layout's tiles on the supervisor's workers: one job per tile, submitted together,
/// the figures their replies carry added up. A tile whose worker dies is re-run elsewhere by the supervisor; a
/// tile that fails (an Error reply, or it killed every worker it met) fails the pass.
/// </summary>
internal sealed class TileBatch
{
    private long _serializeTicks;
    private long _deserializeTicks;
    private long _kernelNs;
    private long _workerTotalNs;
    private long _transferNs;

    private TileBatch(TileLayout layout, LutParameters parameters, JobSet set)
    {
        Layout = layout;
        Parameters = parameters;
        Set = set;
    }

    /// <summary>The tiles.</summary>
    public TileLayout Layout { get; }

    /// <summary>The exposure and gamma to apply.</summary>
    public LutParameters Parameters { get; }

    /// <summary>The jobs, one per tile.</summary>
    public JobSet Set { get; }

    /// <summary>Runs every tile of <paramref name="layout"/> through <paramref name="transport"/>.</summary>
    /// <exception cref="WorkerFailedException">A tile failed, or the workers gave up.</exception>
    public static async Task<EngineRunStats> RunAsync(WorkerSupervisor supervisor, ITileTransport transport, PixelBuffer image, TileLayout layout, LutParameters parameters, CancellationToken cancellationToken)
    {
        var before = supervisor.Stats;
        var batch = new TileBatch(layout, parameters, new JobSet());
        for (int i = 0; i < layout.Count; i++)
        {
            batch.Set.Add(transport.CreateJob(batch, image, layout[i]));
        }
        supervisor.Submit(batch.Set);
        await batch.Set.WaitAsync(cancellationToken).ConfigureAwait(false);
        var faults = supervisor.Stats.Since(before);
        return new EngineRunStats(
            layout.Count,
            KernelMs: batch._kernelNs / 1e6,
            SerializeMs: Stopwatch.GetElapsedTime(0, batch._serializeTicks).TotalMilliseconds,
            DeserializeMs: Stopwatch.GetElapsedTime(0, batch._deserializeTicks).TotalMilliseconds,
            WorkerTotalMs: batch._workerTotalNs / 1e6,
            TransferMs: batch._transferNs / 1e6,
            WorkersReplaced: faults.Replacements,
            TilesRetried: faults.JobsRetried);
    }

    /// <summary>Coordinator time spent writing a tile's pixels into its frame.</summary>
    public void AddSerialize(long ticks) => Interlocked.Add(ref _serializeTicks, ticks);

    /// <summary>Coordinator time spent copying a reply's pixels back.</summary>
    public void AddDeserialize(long ticks) => Interlocked.Add(ref _deserializeTicks, ticks);

    /// <summary>Adds what a reply says of the worker's time, and the round trip less that time.</summary>
    public void AddReply(long assignedTimestamp, WorkerTimings timings)
    {
        Interlocked.Add(ref _kernelNs, timings.KernelNs);
        Interlocked.Add(ref _workerTotalNs, timings.TotalNs);
        Interlocked.Add(ref _transferNs, Math.Max(0, (long)Stopwatch.GetElapsedTime(assignedTimestamp).TotalNanoseconds - timings.TotalNs));
    }

    /// <summary>A <c>lut</c> job for <paramref name="tile"/>, its pixels in the frame.</summary>
    public LutTileParameters LutTile(Tile tile) => new(Parameters.Ev, Parameters.Gamma, ShapeOf(tile));

    /// <summary>A <c>lut_region</c> job for <paramref name="tile"/>, its pixels in the region, the result written at <paramref name="outputOffset"/>.</summary>
    public LutRegionParameters LutRegion(Tile tile, long outputOffset) =>
        new(Parameters.Ev, Parameters.Gamma, ShapeOf(tile), tile.ByteOffset, outputOffset);

    private TileShape ShapeOf(Tile tile) => new(Layout.Geometry.Width, tile.RowCount, Layout.Geometry.Channels, Layout.Geometry.Bits);
}

using System.Globalization;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>What every tile job shares: its pass, its tile, and how it fails the pass.</summary>
internal abstract class TileJob(TileBatch batch, Tile tile) : WorkerJob(batch.Set)
{
    protected TileBatch Batch { get; } = batch;

    protected Tile Tile { get; } = tile;

    /// <summary>A tile job the worker refused is a contract problem between coordinator and worker, not the user's.</summary>
    public override void OnError(WorkerConnection worker, ErrorMessage error) =>
        Batch.Set.Fail(new WorkerFailedException(worker.WorkerId, $"failed job {error.JobId?.ToString(CultureInfo.InvariantCulture) ?? "?"} (rows {Tile.FirstRow}-{Tile.FirstRow + Tile.RowCount - 1}): {error.Code}: {error.Message}"));

    public override void OnFailed(Exception reason) =>
        Batch.Set.Fail(reason is JobFailedException alone
            ? new WorkerFailedException($"the tile of rows {Tile.FirstRow}-{Tile.FirstRow + Tile.RowCount - 1} failed: {alone.Message}", alone)
            : reason);
}

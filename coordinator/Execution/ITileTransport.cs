using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// How a worker mode moves tiles between the coordinator and its workers: where the image lives, what a tile
/// job carries, what a worker must have before it takes one. <see cref="WorkerEngine"/> runs any transport the
/// same way; <see cref="PipeTileTransport"/> and <see cref="ShmTileTransport"/> are the two there are.
/// </summary>
internal interface ITileTransport : IDisposable
{
    /// <summary>The mode this transport is.</summary>
    ExecutionMode Mode { get; }

    /// <summary>Full copies of the pixels one run makes (docs/PROTOCOL.md, "What each mode copies").</summary>
    int PixelCopies { get; }

    /// <summary>
    /// Changes whenever what workers must be prepared with changes (a new shared region), so the engine knows to
    /// prepare them again; constant for a transport that needs nothing.
    /// </summary>
    int PreparationVersion { get; }

    /// <summary>Allocates the buffer an image is decoded into (the shared region for shm).</summary>
    PixelBuffer CreateImage(ImageGeometry geometry);

    /// <summary>Where a run leaves the result for <paramref name="image"/>.</summary>
    PixelBuffer ResultOf(PixelBuffer image);

    /// <summary>Readies one worker for this transport's jobs; null when workers need nothing.</summary>
    Func<WorkerConnection, CancellationToken, Task>? CreatePreparation(WorkerSupervisor supervisor);

    /// <summary>The job that applies the batch's parameters to <paramref name="tile"/> of <paramref name="image"/>.</summary>
    WorkerJob CreateJob(TileBatch batch, PixelBuffer image, Tile tile);
}

using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>Runs the LUT over an image's tiles in one mode. Created per command; may be run several times.</summary>
internal interface IExecutionEngine : IAsyncDisposable
{
    /// <summary>The mode.</summary>
    ExecutionMode Mode { get; }

    /// <summary>Degree of parallelism: threads or worker processes.</summary>
    int Workers { get; }

    /// <summary>
    /// How many full copies of the pixels one run makes, counting user-space copies and the kernel's socket
    /// copies (docs/PROTOCOL.md, "What each mode copies").
    /// </summary>
    int PixelCopies { get; }

    /// <summary>What the workers went through so far (deaths, replacements, re-runs); null for in-process modes.</summary>
    Workers.SupervisorStats? WorkerStats { get; }

    /// <summary>How long the workers took to start, from the first spawn until all were ready; 0 for in-process modes.</summary>
    double WorkerStartMs { get; }

    /// <summary>Starts whatever the mode needs before the first run (worker processes); idempotent.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Allocates the buffer an image must be decoded into for this mode (the shared region for shm).</summary>
    PixelBuffer CreateImage(ImageGeometry geometry);

    /// <summary>
    /// Where <see cref="RunAsync"/> leaves the result for <paramref name="image"/>: the image itself for modes that
    /// work in place, the region's output half for shm (which keeps its source so that failed tiles can be re-run).
    /// </summary>
    PixelBuffer ResultOf(PixelBuffer image);

    /// <summary>Applies the LUT for <paramref name="parameters"/> to every tile of <paramref name="image"/>; the result is in <see cref="ResultOf"/>.</summary>
    Task<EngineRunStats> RunAsync(PixelBuffer image, TileLayout layout, LutParameters parameters, CancellationToken cancellationToken);
}

using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// The worker modes: a <see cref="WorkerSupervisor"/> that keeps N worker processes for the whole command, and a
/// <see cref="ITileTransport"/> that says how tiles reach them (pipe: in the frames; shm: in a shared region).
/// </summary>
internal sealed class WorkerEngine : IExecutionEngine
{
    private readonly ITileTransport _transport;
    private readonly SupervisorOptions _options;
    private readonly ILogger _log;
    private WorkerSupervisor? _supervisor;
    private Task? _starting;
    private int _preparedVersion = -1;

    public WorkerEngine(ITileTransport transport, int workers, SupervisorOptions options, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        options.Validate();
        _transport = transport;
        Workers = workers;
        _options = options;
        _log = log;
    }

    /// <summary>The engine for <paramref name="mode"/> (pipe or shm).</summary>
    public static WorkerEngine Create(ExecutionMode mode, int workers, SupervisorOptions options, ILogger log, string shmDirectory = Shared.SharedMemory.SharedRegion.DefaultDirectory) => mode switch
    {
        ExecutionMode.Pipe => new WorkerEngine(new PipeTileTransport(), workers, options, log),
        ExecutionMode.Cluster => new WorkerEngine(new PipeTileTransport(ExecutionMode.Cluster), workers, options, log),
        ExecutionMode.Shm => new WorkerEngine(new ShmTileTransport(shmDirectory), workers, options, log),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "worker modes are pipe, shm and cluster"),
    };

    public ExecutionMode Mode => _transport.Mode;

    public int Workers { get; }

    public int PixelCopies => _transport.PixelCopies;

    public SupervisorStats? WorkerStats => _supervisor?.Stats;

    public double WorkerStartMs => _supervisor?.StartupMs ?? 0;

    /// <summary>The supervisor once started; null before.</summary>
    public WorkerSupervisor? Supervisor => _supervisor;

    /// <summary>Starts the workers once: every caller, concurrent or later, awaits the same start.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => _starting ??= StartWorkersAsync(cancellationToken);

    private async Task StartWorkersAsync(CancellationToken cancellationToken) =>
        _supervisor = await WorkerSupervisor.StartAsync(Workers, _options, _log, cancellationToken).ConfigureAwait(false);

    public PixelBuffer CreateImage(ImageGeometry geometry) => _transport.CreateImage(geometry);

    public PixelBuffer ResultOf(PixelBuffer image) => _transport.ResultOf(image);

    public async Task<EngineRunStats> RunAsync(PixelBuffer image, TileLayout layout, LutParameters parameters, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        var supervisor = _supervisor!;
        double setupMs = 0;
        int version = _transport.PreparationVersion;
        if (version != _preparedVersion)
        {
            // Prepared now rather than before each worker's first tile, so that the cost (mapping and faulting in
            // the region) is measured apart from the tiles; replacements prepare themselves.
            long started = Stopwatch.GetTimestamp();
            supervisor.SetPreparation(_transport.CreatePreparation(supervisor));
            await supervisor.PrepareAllAsync(cancellationToken).ConfigureAwait(false);
            _preparedVersion = version;
            setupMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        var stats = await TileBatch.RunAsync(supervisor, _transport, image, layout, parameters, cancellationToken).ConfigureAwait(false);
        return stats with { SetupMs = setupMs };
    }

    public async ValueTask DisposeAsync()
    {
        if (_starting is { IsCompleted: false })
        {
            // A start still under way (the run failed before needing it): let it finish so its processes are ours to stop.
            await _starting.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        if (_supervisor is not null)
        {
            await _supervisor.DisposeAsync().ConfigureAwait(false);
        }
        _transport.Dispose();
    }
}

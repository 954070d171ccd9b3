using System.Diagnostics;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Execution;

/// <summary>
/// The pipe and shm modes: a warm pool of worker processes. In pipe mode tiles travel as bin frames; in shm mode
/// the image lives in a <see cref="SharedRegion"/> every worker maps, and only descriptors travel.
/// </summary>
internal sealed class WorkerEngine : IExecutionEngine
{
    /// <summary>Tiles each worker may have outstanding: one running, one waiting in the socket.</summary>
    public const int DefaultInFlight = 2;

    private readonly WorkerPoolOptions _poolOptions;
    private readonly CoordinatorLog _log;
    private readonly TileRunOptions _runOptions;
    private readonly string _shmDirectory;
    private WorkerPool? _pool;
    private Task? _starting;
    private SharedRegion? _region;
    private PixelBuffer? _output;
    private long _outputOffset;
    private bool _regionAttached;

    public WorkerEngine(ExecutionMode mode, int workers, WorkerPoolOptions poolOptions, CoordinatorLog log, TileRunOptions? runOptions = null, string shmDirectory = SharedRegion.DefaultDirectory)
    {
        if (mode is not (ExecutionMode.Pipe or ExecutionMode.Shm))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "worker modes are pipe and shm");
        }
        Mode = mode;
        Workers = workers;
        _poolOptions = poolOptions;
        _log = log;
        _runOptions = runOptions ?? TileRunOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(_runOptions.InFlight, 1);
        _shmDirectory = shmDirectory;
    }

    public ExecutionMode Mode { get; }

    public int Workers { get; }

    /// <summary>
    /// pipe: into the frame, the send and receive copies of the socket (twice: there and back), back into the
    /// image = 6. The worker's LUT writes straight from its receive buffer into its reply and is not a copy.
    /// shm: none.
    /// </summary>
    public int PixelCopies => Mode == ExecutionMode.Pipe ? 6 : 0;

    /// <summary>The pool once started; null before.</summary>
    public WorkerPool? Pool => _pool;

    /// <summary>Starts the pool once: every caller, concurrent or later, awaits the same start.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => _starting ??= StartPoolAsync(cancellationToken);

    private async Task StartPoolAsync(CancellationToken cancellationToken) =>
        _pool = await WorkerPool.StartAsync(Workers, _poolOptions, _log, cancellationToken);

    public PixelBuffer CreateImage(ImageGeometry geometry)
    {
        geometry.Validate();
        if (Mode == ExecutionMode.Pipe)
        {
            return PixelBuffer.Allocate(geometry);
        }
        _output?.Dispose();
        _region?.Dispose();
        _region = null;
        _regionAttached = false;
        // Two halves: the decoded source and the output. Workers read one and write the other, so a tile whose
        // worker dies half-way is simply run again; the LUT is a transform, not a copy, so this costs no copies.
        _outputOffset = (geometry.ByteLength + 4095) / 4096 * 4096;
        _region = SharedRegion.Create(_shmDirectory, _outputOffset + geometry.ByteLength);
        unsafe
        {
            _output = PixelBuffer.Wrap(_region.Data + _outputOffset, geometry);
            return PixelBuffer.Wrap(_region.Data, geometry);
        }
    }

    public PixelBuffer ResultOf(PixelBuffer image) => Mode == ExecutionMode.Shm ? _output ?? image : image;

    public async Task<EngineRunStats> RunAsync(PixelBuffer image, TileLayout layout, LutParameters parameters, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        double setupMs = 0;
        if (Mode == ExecutionMode.Shm && !_regionAttached)
        {
            long started = Stopwatch.GetTimestamp();
            await AttachRegionAsync(cancellationToken);
            setupMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        long? outputOffset = Mode == ExecutionMode.Shm ? _outputOffset : null;
        var run = new TileRun(_pool!, image, layout, parameters, outputOffset, _runOptions, Mode == ExecutionMode.Shm ? AttachAsync : null, _log);
        var stats = await run.RunAsync(cancellationToken);
        return stats with { SetupMs = setupMs };
    }

    private async Task AttachRegionAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_pool!.Workers.Select(async worker =>
        {
            try
            {
                await AttachAsync(worker, cancellationToken);
            }
            catch (WorkerFailedException e)
            {
                // A worker that died since start-up: the run's first job to it fails, and the run replaces it.
                _log.WorkerOutput(worker.WorkerId, $"not attached: {e.Message}");
            }
        }));
        _regionAttached = true;
    }

    /// <summary>
    /// Maps the current region into one worker (all of them before a run; a replacement on its own), after the
    /// frame channel its descriptors travel through.
    /// </summary>
    private async Task AttachAsync(WorkerConnection worker, CancellationToken cancellationToken)
    {
        var region = _region ?? throw new InvalidOperationException("CreateImage must allocate the region before a shm run.");
        await worker.OpenChannelAsync(_shmDirectory, cancellationToken);
        var attach = new AttachRun(1);
        worker.SetHandler(attach);
        await worker.SendAsync(new AttachRequest(worker.WorkerId, region.AttachPath, region.TotalBytes), static (frames, a) => frames.WriteAttach(a), cancellationToken);
        await attach.Completion.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_starting is { IsCompleted: false })
        {
            // A start still under way (the run failed before needing it): let it finish so its processes are ours to stop.
            await _starting.ContinueWith(static _ => { }, TaskScheduler.Default);
        }
        if (_pool is not null)
        {
            await _pool.DisposeAsync();
        }
        _output?.Dispose();
        _region?.Dispose();
    }

    /// <summary>Collects one Attach reply per worker.</summary>
    private sealed class AttachRun(int workers) : IReplyHandler
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = workers;

        public Task Completion => _done.Task;

        public void OnResult(WorkerConnection worker, in JobResult result)
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }

        // An Error reply is deterministic (the region is wrong), so it ends the run; a dead worker can be replaced.
        public void OnError(WorkerConnection worker, ErrorMessage error) =>
            _done.TrySetException(Cli.CommandLineException.Environment($"worker {worker.WorkerId} cannot map the shared region: {error.Message}"));

        public void OnDisconnected(WorkerConnection worker, Exception? error) =>
            _done.TrySetException(new WorkerFailedException($"worker {worker.WorkerId} disconnected while attaching the region{worker.ExitDescription}: {error?.Message ?? "end of stream"}"));
    }
}

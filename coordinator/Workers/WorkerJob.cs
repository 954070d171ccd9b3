using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// One unit of work the <see cref="WorkerSupervisor"/> runs on some worker: it writes its own frame and handles
/// its own reply. The supervisor calls exactly one of <see cref="OnResult"/>, <see cref="OnError"/> and
/// <see cref="OnFailed"/> per submission, unless the job's <see cref="JobSet"/> was closed first.
/// </summary>
/// <remarks>
/// A job whose worker dies is sent again, to another worker, with a fresh id (ids are never reused on any
/// connection), until it has met <see cref="SupervisorOptions.MaxJobAttempts"/> deaths; then it fails alone.
/// Its frame must therefore be idempotent: a tile written whole, a file written atomically.
/// </remarks>
internal abstract class WorkerJob
{
    protected WorkerJob(JobSet? set) => Set = set;

    /// <summary>The set this job belongs to, which decides whether late callbacks still run.</summary>
    public JobSet? Set { get; }

    /// <summary>Takes every window place of its worker (a whole file is hundreds of milliseconds of work).</summary>
    public virtual bool Exclusive => false;

    /// <summary>Must run on the worker it was sent to (an Attach): a death fails it instead of sending it elsewhere.</summary>
    public virtual bool Pinned => false;

    /// <summary>A small frame that goes through the worker's frame channel when it has one (shm descriptors).</summary>
    public virtual bool ViaChannel => false;

    // Supervisor bookkeeping, guarded by the supervisor's lock.
    internal JobState State { get; set; }

    internal ulong Id { get; set; }

    internal long AssignedTimestamp { get; set; }

    internal int Permits { get; set; }

    internal List<WorkerDeath>? Deaths { get; set; }

    /// <summary>Workers that died while holding this job.</summary>
    public int DeathCount => Deaths?.Count ?? 0;

    /// <summary>
    /// Writes the job's frame with <paramref name="id"/> under the connection's send lock. A frame whose last
    /// element is a bin may stop after the bin's header and return the payload, which then goes from where it
    /// lies straight to the socket (one copy fewer); otherwise return empty.
    /// </summary>
    public abstract ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id);

    /// <summary>
    /// Writes the frame unless the job's set was closed meanwhile (its memory may be gone): false writes nothing.
    /// A returned payload must be managed memory, which stays valid without the set.
    /// </summary>
    internal bool TryWrite(FrameWriter frames, ulong id, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        if (Set is { } set && !set.TryEnter())
        {
            return false;
        }
        try
        {
            payload = Write(frames, id);
            return true;
        }
        finally
        {
            Set?.Exit();
        }
    }

    /// <summary>The worker's Result, on its receive thread; the payload is valid only during the call.</summary>
    /// <exception cref="ProtocolException">The reply does not fit the job: the worker is faulty and is replaced.</exception>
    public abstract void OnResult(WorkerConnection worker, in JobResult result);

    /// <summary>The worker's Error reply: the job itself failed and would fail the same way anywhere.</summary>
    public abstract void OnError(WorkerConnection worker, ErrorMessage error);

    /// <summary>
    /// The job will not run: it met too many worker deaths (<see cref="JobFailedException"/>), its pinned worker
    /// died or the supervisor gave up (<see cref="WorkerFailedException"/>), or the supervisor is shutting down
    /// (<see cref="OperationCanceledException"/>).
    /// </summary>
    public abstract void OnFailed(Exception reason);
}

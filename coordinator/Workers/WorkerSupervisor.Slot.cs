using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

internal sealed partial class WorkerSupervisor
{
    /// <summary>Where a worker is in its life.</summary>
    private enum SlotState
    {
        /// <summary>Spawned, not yet welcomed.</summary>
        Starting,

        /// <summary>Welcomed: its pump takes jobs.</summary>
        Ready,

        /// <summary>Written off: dead, killed or stopped; its jobs went elsewhere.</summary>
        Failed,
    }

    /// <summary>
    /// One worker as the supervisor keeps it: its connection, the jobs it holds, its in-flight window and its pump.
    /// It is also the worker's reply handler, so replies arrive already knowing whose they are.
    /// </summary>
    private sealed class Slot : IReplyHandler, IDisposable
    {
        private readonly WorkerSupervisor _owner;

        /// <summary>The preparation epoch this worker has run; only read and written under <see cref="PrepareGate"/> or atomically.</summary>
        public int PreparedEpoch = -1;

        public Slot(WorkerSupervisor owner, uint workerId)
        {
            _owner = owner;
            WorkerId = workerId;
            Window = new SemaphoreSlim(owner._options.InFlight, owner._options.InFlight);
            Stop = CancellationTokenSource.CreateLinkedTokenSource(owner._stopping.Token);
        }

        public uint WorkerId { get; }

        /// <summary>Guarded by the supervisor's lock.</summary>
        public SlotState State { get; set; }

        /// <summary>Set once, when the worker is welcomed.</summary>
        public WorkerConnection? Connection { get; set; }

        /// <summary>The jobs this worker holds, by id; guarded by the supervisor's lock.</summary>
        public Dictionary<ulong, WorkerJob> Outstanding { get; } = [];

        /// <summary>Places for jobs in flight.</summary>
        public SemaphoreSlim Window { get; }

        /// <summary>Cancelled when the worker is written off or the supervisor stops.</summary>
        public CancellationTokenSource Stop { get; }

        /// <summary>One preparation at a time per worker.</summary>
        public SemaphoreSlim PrepareGate { get; } = new(1, 1);

        public Task Pump { get; set; } = Task.CompletedTask;

        public void OnResult(WorkerConnection worker, in JobResult result) => _owner.OnResult(this, result);

        public void OnError(WorkerConnection worker, ErrorMessage error) => _owner.OnError(this, error);

        public void OnDisconnected(WorkerConnection worker, Exception? error) =>
            _owner.FailWorker(this, $"disconnected{worker.ExitDescription}: {error?.Message ?? "end of stream"}");

        public void Dispose()
        {
            Stop.Dispose();
            Window.Dispose();
            PrepareGate.Dispose();
        }
    }
}

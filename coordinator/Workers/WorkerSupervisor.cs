using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Owns every worker process of a command, from the first spawn to the last exit: starts them, hands them jobs,
/// routes their replies, and replaces the ones that die or stop answering. Strips, files, echo rounds and
/// previews submit jobs to it; none of them keeps restart or timeout state of its own.
/// </summary>
/// <remarks>
/// <para>Dispatch (WorkerSupervisor.Dispatch.cs): one queue of jobs; each ready worker has a pump that takes the
/// next job whenever it holds fewer than <see cref="SupervisorOptions.InFlight"/>. Job ids come from one counter
/// for the whole command, so an id is never reused on any connection.</para>
/// <para>Recovery (WorkerSupervisor.Recovery.cs): a worker that disconnects, exits before it is ready, answers a
/// job it does not hold, or holds a job past <see cref="SupervisorOptions.JobTimeout"/> (it is killed) is removed
/// at once; exactly the jobs it held go back to the queue, and one replacement starts. Each death counts against
/// the run's budget (<see cref="SupervisorOptions.MaxRestarts"/>), except deaths explained by a job that killed
/// every worker it met and failed alone (<see cref="SupervisorOptions.MaxJobAttempts"/>).</para>
/// </remarks>
internal sealed partial class WorkerSupervisor : IAsyncDisposable
{
    private readonly SupervisorOptions _options;
    private readonly ILogger _log;
    private readonly string _workerPath;
    private readonly byte[] _secret;
    private int _target;
    private readonly Lock _gate = new();
    private readonly List<Slot> _slots = [];
    private readonly Dictionary<WorkerConnection, Slot> _byConnection = [];
    private readonly Channel<WorkerJob> _queue = Channel.CreateUnbounded<WorkerJob>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _background = [];
    private readonly long _startedTimestamp = Stopwatch.GetTimestamp();
    private Task _watchdog = Task.CompletedTask;
    private Exception? _failure;
    private uint _nextWorkerId;
    private int _disposed;

    private WorkerSupervisor(int workers, SupervisorOptions options, ILogger log, string workerPath)
    {
        _target = workers;
        _options = options;
        _log = log;
        _workerPath = workerPath;
        _secret = options.Secret ?? RandomNumberGenerator.GetBytes(ProtocolLimits.SecretBytes);
    }

    /// <summary>From the first spawn until <see cref="StartAsync"/>'s count of workers was ready, in milliseconds.</summary>
    public double StartupMs { get; private set; }

    /// <summary>How many workers the supervisor keeps running.</summary>
    public int TargetWorkers => Volatile.Read(ref _target);

    /// <summary>The options it was started with.</summary>
    public SupervisorOptions Options => _options;

    /// <summary>The ready workers, ordered by id (replacements have new ids).</summary>
    public IReadOnlyList<WorkerConnection> Workers
    {
        get
        {
            lock (_gate)
            {
                return [.. _slots.Where(s => s.State == SlotState.Ready).OrderBy(s => s.WorkerId).Select(s => s.Connection!)];
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="workers"/> workers and returns once all of them are ready. A worker that fails to
    /// start counts as a restart and is started again, within the budget.
    /// </summary>
    /// <exception cref="WorkerFailedException">The executable is missing, or workers keep failing to start.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; every worker started so far is stopped.</exception>
    public static async Task<WorkerSupervisor> StartAsync(int workers, SupervisorOptions options, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (ProcessLimits.Check(workers) is { } limits)
        {
            throw new WorkerFailedException(limits);
        }
        string workerPath = WorkerLocator.Find(options.WorkerPath, out var searched)
            ?? throw new WorkerFailedException(
                $"worker executable not found (looked for {string.Join(", ", searched)}); build it with 'dotnet build -c Release' or pass --worker-path");
        PipeListener.SweepStale(options.PipeParentDirectory);

        var supervisor = new WorkerSupervisor(workers, options, log, workerPath);
        try
        {
            options.Launcher?.Attach(supervisor);
            supervisor.Launch(workers);
            supervisor._watchdog = supervisor.WatchAsync();
            await supervisor._started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return supervisor;
        }
        catch
        {
            await supervisor.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Grows the pool by <paramref name="count"/> workers for the rest of the command (capacity that appeared: a
    /// cluster node that joined). Nothing happens once the supervisor is stopping or has failed.
    /// </summary>
    /// <returns>The new workers' ids.</returns>
    public uint[] AddWorkers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        List<Launching> launches;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested || _failure is not null)
            {
                return [];
            }
            _target += count;
            launches = ReserveUnsynchronized(count);
        }
        return StartLaunches(launches);
    }

    /// <summary>Starts <paramref name="count"/> new workers (the first ones, or replacements); returns their ids.</summary>
    private uint[] Launch(int count)
    {
        List<Launching> launches;
        lock (_gate)
        {
            launches = ReserveUnsynchronized(count);
        }
        return StartLaunches(launches);
    }

    /// <summary>
    /// Adds the slots of <paramref name="count"/> new workers under the lock, in the same step that decided on
    /// them, so that anyone deciding next sees them (as workers on their way) and a disposal waits for them.
    /// </summary>
    private List<Launching> ReserveUnsynchronized(int count)
    {
        var launches = new List<Launching>(count);
        for (int i = 0; i < count; i++)
        {
            var slot = new Slot(this, _nextWorkerId++);
            _slots.Add(slot);
            launches.Add(new Launching(slot, BeginBackgroundUnsynchronized()));
            Counters.WorkersStarted++;
        }
        return launches;
    }

    private uint[] StartLaunches(List<Launching> launches)
    {
        foreach (var (slot, done) in launches)
        {
            RunBackground(LaunchAsync(slot), done);
        }
        return [.. launches.Select(l => l.Slot.WorkerId)];
    }

    /// <summary>A worker reserved and about to be launched, and what its launch completes.</summary>
    private readonly record struct Launching(Slot Slot, TaskCompletionSource Done);

    private async Task LaunchAsync(Slot slot)
    {
        WorkerConnection connection;
        try
        {
            connection = _options.Launcher is { } launcher
                ? await launcher.LaunchAsync(slot.WorkerId, _secret, _options, slot, _log, _stopping.Token).ConfigureAwait(false)
                : await WorkerLauncher.LaunchAsync(slot.WorkerId, _workerPath, _secret, _options, slot, _log, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        catch (WorkerFailedException e)
        {
            FailSlot(slot, e.Reason, "failed to start");
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The listener could not be created (a full or read-only runtime directory, too many open files).
            FailSlot(slot, $"could not be started: {e.Message}", "failed to start");
            return;
        }

        bool ready;
        lock (_gate)
        {
            ready = slot.State == SlotState.Starting && _failure is null;
            if (ready)
            {
                slot.Connection = connection;
                slot.State = SlotState.Ready;
                _byConnection[connection] = slot;
            }
        }
        if (!ready)
        {
            // Stopping, failed, or it disconnected before it could be used: it is counted already.
            await StopConnectionAsync(connection).ConfigureAwait(false);
            return;
        }
        lock (_gate)
        {
            if (!_started.Task.IsCompleted && _slots.Count(s => s.State == SlotState.Ready) >= _target)
            {
                StartupMs = Stopwatch.GetElapsedTime(_startedTimestamp).TotalMilliseconds;
                _started.TrySetResult();
            }
        }
        slot.Pump = PumpAsync(slot);
    }

    /// <summary>
    /// Registers background work (a launch, a teardown) for <see cref="DisposeAsync"/> to await. Called under the
    /// lock in the same step that decides on the work, so that a disposal that takes the lock later always waits
    /// for it, even when the work itself starts a few milliseconds later.
    /// </summary>
    private TaskCompletionSource BeginBackgroundUnsynchronized()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _background.RemoveAll(t => t.IsCompleted);
        _background.Add(done.Task);
        return done;
    }

    /// <summary>Completes <paramref name="done"/> when <paramref name="work"/> ends, however it ends.</summary>
    private static void RunBackground(Task work, TaskCompletionSource done) =>
        work.ContinueWith(static (_, d) => ((TaskCompletionSource)d!).TrySetResult(), done, TaskScheduler.Default);

    /// <summary>Asks a worker to exit, waits a bounded time, kills it if it does not, and releases its connection.</summary>
    private async Task StopConnectionAsync(WorkerConnection connection)
    {
        connection.Process?.Silence();
        await connection.SendShutdownAsync().ConfigureAwait(false);
        if (connection.Process is { } process)
        {
            await process.WaitOrKillAsync(_options.ExitTimeout).ConfigureAwait(false);
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        connection.Process?.Dispose();
    }

    /// <summary>Stops every worker: Shutdown, a bounded wait, then a kill. Jobs not yet answered fail as cancelled.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _started.TrySetException(new ObjectDisposedException(nameof(WorkerSupervisor)));
        List<Slot> slots;
        List<WorkerJob> abandoned = [];
        lock (_gate)
        {
            _failure ??= new OperationCanceledException("the workers are shutting down");
            slots = [.. _slots];
            foreach (var slot in slots)
            {
                abandoned.AddRange(slot.Outstanding.Values);
                slot.Outstanding.Clear();
            }
        }
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var queued))
        {
            abandoned.Add(queued);
        }
        foreach (var job in abandoned)
        {
            Settle(job, static (j, e) => j.OnFailed(e), _failure!);
        }

        // Workers first: a pump may be inside a send to a worker that stopped reading, which only its end releases.
        await Task.WhenAll(slots.Where(s => s.Connection is not null).Select(s => StopConnectionAsync(s.Connection!))).ConfigureAwait(false);
        Task[] background;
        lock (_gate)
        {
            background = [.. _background, .. slots.Select(s => s.Pump), _watchdog];
        }
        await Task.WhenAll(background).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        foreach (var slot in slots)
        {
            slot.Dispose();
        }
        if (_options.Launcher is { } launcher)
        {
            await launcher.DetachAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }
}

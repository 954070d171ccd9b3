namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// The jobs of one unit of work (a strip's tiles, a batch's files, an echo round) submitted together: it completes
/// when every job has settled, and it fails as a whole at its first <see cref="Fail"/>.
/// </summary>
/// <remarks>
/// Failing withdraws the jobs still queued; jobs already at a worker are waited for (they settle by reply, by
/// their worker's death, or by the job timeout, which kills the worker), so that no reply can land in memory the
/// caller frees once <see cref="WaitAsync"/> returns. When the wait is cancelled instead, the set is closed:
/// later replies find it closed and touch nothing (<see cref="TryEnter"/>).
/// </remarks>
internal sealed class JobSet
{
    private readonly List<WorkerJob> _jobs = [];
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerSupervisor? _supervisor;
    private Exception? _failure;
    private int _unsettled;
    private int _inside;
    private volatile bool _closed;

    /// <summary>The jobs added so far.</summary>
    public IReadOnlyList<WorkerJob> Jobs => _jobs;

    /// <summary>The first failure, or null.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Adds a job before the set is submitted.</summary>
    public void Add(WorkerJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (_supervisor is not null)
        {
            throw new InvalidOperationException("the set was submitted already");
        }
        _jobs.Add(job);
    }

    /// <summary>Fails the whole set (the first failure is the one thrown) and withdraws its queued jobs.</summary>
    public void Fail(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is null)
        {
            _supervisor?.Withdraw(this);
        }
    }

    /// <summary>
    /// Waits until every job has settled, then throws the set's failure if it has one. Cancelling closes the set
    /// at once (late replies are ignored) and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _settled.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Close();
            throw;
        }
        if (Failure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>From now on no callback of this set's jobs runs; returns once those already running are done.</summary>
    public void Close()
    {
        _closed = true;
        // A callback copies at most one tile: it is done in microseconds to milliseconds.
        SpinWait.SpinUntil(() => Volatile.Read(ref _inside) == 0);
    }

    /// <summary>Called by the supervisor as it takes the set (<see cref="WorkerSupervisor.Submit"/>, <see cref="WorkerSupervisor.Begin"/>).</summary>
    internal void Submitted(WorkerSupervisor supervisor)
    {
        if (_supervisor is not null)
        {
            throw new InvalidOperationException("the set was submitted already");
        }
        _supervisor = supervisor;
        _unsettled = _jobs.Count;
        if (_jobs.Count == 0)
        {
            _settled.TrySetResult();
        }
    }

    /// <summary>Admits a job callback while the set is open; pair with <see cref="Exit"/>.</summary>
    internal bool TryEnter()
    {
        Interlocked.Increment(ref _inside);
        if (!_closed)
        {
            return true;
        }
        Exit();
        return false;
    }

    internal void Exit() => Interlocked.Decrement(ref _inside);

    /// <summary>One job has settled (answered, failed or withdrawn).</summary>
    internal void Settle()
    {
        if (Interlocked.Decrement(ref _unsettled) == 0)
        {
            _settled.TrySetResult();
        }
    }
}

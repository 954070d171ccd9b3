using System.Diagnostics;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>Jobs in, replies out: the queue, the pumps, the routing of replies by job id.</summary>
internal sealed partial class WorkerSupervisor
{
    private long _nextJobId;
    private Func<WorkerConnection, CancellationToken, Task>? _prepare;
    private int _prepareEpoch;

    /// <summary>Queues every job of <paramref name="set"/>; wait for them with <see cref="JobSet.WaitAsync"/>.</summary>
    public void Submit(JobSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        set.Submitted(this);
        foreach (var job in set.Jobs)
        {
            Enqueue(job);
        }
    }

    /// <summary>
    /// Takes <paramref name="set"/> without queueing its jobs: the caller sends each with <see cref="SendToAsync"/>
    /// (a benchmark that paces its own sends), and waits with <see cref="JobSet.WaitAsync"/>.
    /// </summary>
    public void Begin(JobSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        set.Submitted(this);
    }

    /// <summary>
    /// Sends <paramref name="job"/> to <paramref name="worker"/> now, past the queue and the in-flight window (an
    /// Attach, a benchmark's own pacing). If that worker dies, a pinned job fails; any other goes to the queue.
    /// </summary>
    public Task SendToAsync(WorkerConnection worker, WorkerJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        Slot? slot;
        lock (_gate)
        {
            _byConnection.TryGetValue(worker, out slot);
            if (job.State == JobState.Settled && job.Set is null)
            {
                job.Deaths = null; // a job object sent again (a latency loop's): a new submission
            }
            else if (job.State != JobState.New)
            {
                throw new InvalidOperationException("the job was submitted already");
            }
            job.State = JobState.Queued;
        }
        if (slot is null || TryAssign(slot, job, permits: 0) is not { } id)
        {
            Orphaned(job, slot?.WorkerId ?? worker.WorkerId, "is not running");
            return Task.CompletedTask;
        }
        return SendAsync(slot, job, id);
    }

    /// <summary>
    /// Sets what every worker must have done before it takes jobs (shm: open its frame channel and map the
    /// current region). Workers run it before their next job, replacements before their first.
    /// </summary>
    public void SetPreparation(Func<WorkerConnection, CancellationToken, Task>? prepare)
    {
        lock (_gate)
        {
            _prepare = prepare;
            _prepareEpoch++;
        }
    }

    /// <summary>Runs the preparation on every ready worker now (so its cost can be measured apart from the jobs).</summary>
    /// <exception cref="WorkerFailedException">The supervisor gave up, or the preparation cannot succeed on any worker.</exception>
    public async Task PrepareAllAsync(CancellationToken cancellationToken)
    {
        List<Slot> ready;
        lock (_gate)
        {
            ThrowIfFailed();
            ready = [.. _slots.Where(s => s.State == SlotState.Ready)];
        }
        await Task.WhenAll(ready.Select(slot => PrepareAsync(slot, cancellationToken))).ConfigureAwait(false);
        lock (_gate)
        {
            ThrowIfFailed();
        }
    }

    private void Enqueue(WorkerJob job)
    {
        Exception? failure;
        lock (_gate)
        {
            failure = _failure;
            if (failure is null)
            {
                job.State = JobState.Queued;
            }
        }
        if (failure is not null)
        {
            Settle(job, static (j, e) => j.OnFailed(e), failure);
            return;
        }
        _queue.Writer.TryWrite(job);
    }

    /// <summary>Withdraws a failed set's jobs that no worker holds yet; they settle now, unsent.</summary>
    internal void Withdraw(JobSet set)
    {
        var withdrawn = new List<WorkerJob>();
        lock (_gate)
        {
            foreach (var job in set.Jobs)
            {
                if (job.State is JobState.Queued or JobState.New)
                {
                    // The run is over for it: it answers for no death any more (the set failed, not the workers).
                    job.State = JobState.Settled;
                    withdrawn.Add(job);
                }
            }
        }
        foreach (var job in withdrawn)
        {
            job.Set?.Settle(); // the queue still holds it; a pump that meets it drops it
        }
    }

    /// <summary>One worker's pump: it takes the next job whenever the worker holds fewer than its window allows.</summary>
    private async Task PumpAsync(Slot slot)
    {
        var token = slot.Stop.Token;
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                if (!await PrepareAsync(slot, token).ConfigureAwait(false))
                {
                    return;
                }
                await slot.Window.WaitAsync(token).ConfigureAwait(false);
                if (!reader.TryRead(out var job))
                {
                    slot.Window.Release(); // another pump took it
                    continue;
                }
                int permits = 1;
                try
                {
                    // A file takes the whole worker: waiting here holds the job, so a cancellation puts it back.
                    for (; job.Exclusive && permits < _options.InFlight; permits++)
                    {
                        await slot.Window.WaitAsync(token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    Requeue(job);
                    throw;
                }
                if (TryAssign(slot, job, permits) is { } id)
                {
                    await SendAsync(slot, job, id).ConfigureAwait(false);
                }
                else
                {
                    slot.Window.Release(permits); // not 0: the pump took at least one
                    if (job.State != JobState.Settled)
                    {
                        Requeue(job); // the worker failed meanwhile: the job was never its
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // This worker failed, or the supervisor is stopping.
        }
    }

    /// <summary>Makes the job the worker's: a fresh id, the clock started. Null when the job was withdrawn or the worker failed.</summary>
    private ulong? TryAssign(Slot slot, WorkerJob job, int permits)
    {
        lock (_gate)
        {
            if (job.State != JobState.Queued || slot.State != SlotState.Ready || _failure is not null)
            {
                return null;
            }
            ulong id = (ulong)++_nextJobId;
            job.State = JobState.Assigned;
            job.Id = id;
            job.Permits = permits;
            job.AssignedTimestamp = Stopwatch.GetTimestamp();
            slot.Outstanding[id] = job;
            return id;
        }
    }

    private async Task SendAsync(Slot slot, WorkerJob job, ulong id)
    {
        try
        {
            await slot.Connection!.SendJobAsync(job, id).ConfigureAwait(false);
        }
        catch (WorkerFailedException e)
        {
            FailWorker(slot, e.Reason);
        }
        catch (ObjectDisposedException)
        {
            FailWorker(slot, "was closed");
        }
    }

    private void Requeue(WorkerJob job)
    {
        lock (_gate)
        {
            if (job.State == JobState.Settled)
            {
                return;
            }
            job.State = JobState.Queued;
        }
        Enqueue(job);
    }

    /// <summary>Runs the current preparation on a worker that has not had it; false when the worker failed on it.</summary>
    private async Task<bool> PrepareAsync(Slot slot, CancellationToken cancellationToken)
    {
        while (true)
        {
            Func<WorkerConnection, CancellationToken, Task>? prepare;
            int epoch;
            lock (_gate)
            {
                prepare = _prepare;
                epoch = _prepareEpoch;
                if (slot.State != SlotState.Ready)
                {
                    return false;
                }
            }
            if (Volatile.Read(ref slot.PreparedEpoch) == epoch)
            {
                return true;
            }
            await slot.PrepareGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref slot.PreparedEpoch) == epoch)
                {
                    continue;
                }
                if (prepare is not null)
                {
                    using var bounded = CancellationTokenSource.CreateLinkedTokenSource(slot.Stop.Token);
                    bounded.CancelAfter(_options.JobTimeout);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bounded.Token);
                    try
                    {
                        await prepare(slot.Connection!, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (bounded.IsCancellationRequested && !slot.Stop.IsCancellationRequested)
                    {
                        _log.WorkerKilled(slot.WorkerId, $"not prepared within {_options.JobTimeout.TotalMilliseconds:0} ms");
                        FailWorker(slot, "stopped answering while being prepared");
                        return false;
                    }
                }
                Volatile.Write(ref slot.PreparedEpoch, epoch);
            }
            catch (WorkerFailedException e)
            {
                FailWorker(slot, e.Reason);
                return false;
            }
            catch (OperationCanceledException) when (slot.Stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return false; // the worker failed while preparing; its replacement prepares itself
            }
            catch (Exception e) when (e is JobFailedException or Shared.SharedMemory.SharedMemoryException)
            {
                if (Volatile.Read(ref _prepareEpoch) != epoch)
                {
                    continue; // the preparation changed meanwhile (a new region); the old one's failure is moot
                }
                // Deterministic (the region cannot be mapped, /dev/shm is full): no other worker would do better.
                Fail(e is JobFailedException
                    ? new WorkerFailedException(slot.WorkerId, $"cannot be prepared for its jobs: {e.Message}", e)
                    : e);
                return false;
            }
            finally
            {
                slot.PrepareGate.Release();
            }
        }
    }

    private void OnResult(Slot slot, in JobResult result)
    {
        if (TakeOutstanding(slot, result.Id, "answered") is not { } job)
        {
            return;
        }
        try
        {
            if (job.Set?.TryEnter() ?? true)
            {
                try
                {
                    job.OnResult(slot.Connection!, result);
                }
                finally
                {
                    job.Set?.Exit();
                }
            }
        }
        catch (ProtocolException e)
        {
            // The worker's answer does not fit its job: the worker is at fault, and the job is tried elsewhere.
            lock (_gate)
            {
                job.State = JobState.Assigned;
                slot.Outstanding[job.Id] = job;
            }
            FailWorker(slot, $"answered job {job.Id} wrongly: {e.Message}");
            return;
        }
        catch (Exception e)
        {
            // A fault in the job's own handling (a bug): the job fails with it, and its set with the job, instead of
            // the exception ending this receive thread with the job never settled.
            job.OnFailed(e);
        }
        if (job.Deaths is not null)
        {
            Resolve(job);
        }
        job.Set?.Settle();
    }

    private void OnError(Slot slot, ErrorMessage error)
    {
        if (error.JobId is not { } id)
        {
            // Not about a job: the worker could not read a frame at all, so it cannot be trusted with the rest.
            FailWorker(slot, $"reported {error.Code}: {error.Message}");
            return;
        }
        if (TakeOutstanding(slot, id, "failed") is { } job)
        {
            if (job.Deaths is not null)
            {
                Resolve(job); // an Error reply: the job fails the same way anywhere, but it did not kill workers
            }
            Settle(job, static (j, e) => j.OnError(e.Worker, e.Error), (Worker: slot.Connection!, Error: error), alreadySettled: true);
        }
    }

    /// <summary>Removes a job the worker answered; a job it does not hold is a broken worker (unless it was written off).</summary>
    private WorkerJob? TakeOutstanding(Slot slot, ulong id, string verb)
    {
        WorkerJob? job;
        bool live;
        lock (_gate)
        {
            // Once the supervisor has failed, it dropped what workers held: their late answers are not faults.
            live = slot.State != SlotState.Failed && _failure is null;
            if (slot.Outstanding.Remove(id, out job))
            {
                job.State = JobState.Settled;
                Counters.RepliesMatched++;
            }
            else
            {
                Counters.RepliesUnmatched++;
            }
        }
        if (job is null)
        {
            if (live)
            {
                FailWorker(slot, $"{verb} job {id}, which it does not hold");
            }
            return null; // a late answer from a worker already written off: its jobs went elsewhere
        }
        if (job.Permits > 0)
        {
            slot.Window.Release(job.Permits);
        }
        return job;
    }

    /// <summary>Settles a job once and runs its callback, unless its set was closed.</summary>
    private void Settle<TState>(WorkerJob job, Action<WorkerJob, TState> callback, TState state, bool alreadySettled = false)
    {
        if (!alreadySettled)
        {
            Verdict verdict;
            lock (_gate)
            {
                if (job.State == JobState.Settled)
                {
                    return;
                }
                verdict = ResolveUnsynchronized(job, failedAlone: false);
            }
            Act(verdict, job);
        }
        if (job.Set?.TryEnter() ?? true)
        {
            try
            {
                callback(job, state);
            }
            finally
            {
                job.Set?.Exit();
            }
        }
        job.Set?.Settle();
    }

    /// <summary>A job that cannot go where it was meant to: pinned ones fail, others go to the queue.</summary>
    private void Orphaned(WorkerJob job, uint workerId, string reason)
    {
        if (job.Pinned)
        {
            Settle(job, static (j, e) => j.OnFailed(e), new WorkerFailedException(workerId, reason));
        }
        else
        {
            Requeue(job);
        }
    }
}

using System.Diagnostics;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>Jobs in, replies out: the queue, the pumps, the routing of replies by job id.</summary>
internal sealed partial class WorkerSupervisor
{
    private long _nextJobId;
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

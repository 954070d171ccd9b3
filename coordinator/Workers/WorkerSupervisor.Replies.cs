using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>Replies in: each routed by its job id to the job its worker holds, and every job settled exactly once.</summary>
internal sealed partial class WorkerSupervisor
{
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
}

using System.Diagnostics;
using System.Globalization;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>Deaths, replacements, the restart budget and the job-timeout watchdog.</summary>
internal sealed partial class WorkerSupervisor
{
    private int _chargedDeaths;

    /// <summary>What the supervisor has done so far (the true counts, for reports and tests).</summary>
    public SupervisorStats Stats
    {
        get
        {
            lock (_gate)
            {
                return Counters.Snapshot();
            }
        }
    }

    private SupervisorStats.Builder Counters { get; } = new();

    /// <summary>Starts a new budget: a long-lived command (serve) gives each request its own.</summary>
    public void ResetRestartBudget()
    {
        lock (_gate)
        {
            _chargedDeaths = 0;
        }
    }

    /// <summary>Throws the failure that ended the supervisor, if one did.</summary>
    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>
    /// A job has settled (answered, failed, or failed alone): each death it was the last open suspect of is now
    /// decided. A death whose suspects all turned out innocent counts against the run's budget; a death one of
    /// whose suspects failed alone is explained by it and never counts. Until then a death is under investigation
    /// and counts for nothing, so that two jobs that both kill their workers can each be found out before the
    /// budget judges the run. Returns the failure that ends the run when the budget is spent.
    /// </summary>
    private WorkerFailedException? ResolveUnsynchronized(WorkerJob job, bool failedAlone)
    {
        job.State = JobState.Settled;
        WorkerFailedException? giveUp = null;
        foreach (var death in job.Deaths ?? [])
        {
            if (failedAlone)
            {
                death.Explained = true;
            }
            else if (!death.Explained && !death.Charged && death.Suspects.TrueForAll(s => s.State == JobState.Settled))
            {
                giveUp ??= ChargeUnsynchronized(death);
            }
        }
        return giveUp;
    }

    /// <summary>Counts a death against the run's budget; past the budget the supervisor fails.</summary>
    private WorkerFailedException? ChargeUnsynchronized(WorkerDeath death)
    {
        death.Charged = true;
        if (++_chargedDeaths <= _options.MaxRestarts || _failure is not null)
        {
            return null;
        }
        var giveUp = new WorkerFailedException(death.WorkerId, $"{death.Reason}; giving up after {_options.MaxRestarts} replacements in this run");
        _failure = giveUp;
        return giveUp;
    }

    /// <summary>
    /// Settles a job that had deaths to answer for (rare) and acts on the verdict: when its innocence spends the
    /// budget, the supervisor fails, and so does the job's set, which may have nothing else left to fail it.
    /// </summary>
    private void Resolve(WorkerJob job)
    {
        WorkerFailedException? giveUp;
        lock (_gate)
        {
            giveUp = ResolveUnsynchronized(job, failedAlone: false);
        }
        if (giveUp is not null)
        {
            job.Set?.Fail(giveUp);
            Fail(giveUp);
        }
    }

    /// <summary>A ready worker is gone (disconnected, killed, broke the protocol): kill it, requeue its jobs, replace it.</summary>
    private void FailWorker(Slot slot, string reason) => FailSlot(slot, reason, "failed");

    /// <summary>
    /// Writes a worker off once, whatever state it was in: exactly the jobs it held go back to the queue (or fail
    /// alone once they have met <see cref="SupervisorOptions.MaxJobAttempts"/> deaths), the death is counted, and
    /// one replacement starts unless the run's budget is spent, which fails the supervisor.
    /// </summary>
    private void FailSlot(Slot slot, string reason, string verb)
    {
        var requeue = new List<WorkerJob>();
        var alone = new List<WorkerJob>();
        var lost = new List<WorkerJob>();
        WorkerFailedException? giveUp = null;
        bool replace = false;
        TaskCompletionSource? teardown = null;
        lock (_gate)
        {
            if (slot.State == SlotState.Failed)
            {
                return;
            }
            slot.State = SlotState.Failed;
            if (slot.Connection is not null)
            {
                teardown = BeginBackgroundUnsynchronized();
            }
            _slots.Remove(slot);
            if (slot.Connection is { } connection)
            {
                _byConnection.Remove(connection);
            }
            if (_stopping.IsCancellationRequested || _failure is not null)
            {
                lost.AddRange(slot.Outstanding.Values);
                slot.Outstanding.Clear();
            }
            else
            {
                var death = new WorkerDeath(slot.WorkerId, reason);
                foreach (var job in slot.Outstanding.Values)
                {
                    if (job.Pinned)
                    {
                        lost.Add(job);
                        continue;
                    }
                    death.Suspects.Add(job);
                    (job.Deaths ??= []).Add(death);
                    (job.Deaths.Count >= _options.MaxJobAttempts ? alone : requeue).Add(job);
                }
                slot.Outstanding.Clear();
                Counters.Deaths++;
                Counters.JobsRetried += requeue.Count;
                Counters.JobsFailedAlone += alone.Count;
                foreach (var job in alone)
                {
                    // It killed every worker it met: those deaths are the job's, not the run's.
                    giveUp ??= ResolveUnsynchronized(job, failedAlone: true);
                }
                if (death.Suspects.Count == 0)
                {
                    giveUp ??= ChargeUnsynchronized(death); // nothing could explain it
                }
                replace = giveUp is null && _failure is null;
                if (replace)
                {
                    Counters.Replacements++;
                }
            }
        }

        slot.Stop.Cancel();
        if (slot.Connection is { } gone)
        {
            gone.Process?.Kill();
            RunBackground(StopConnectionAsync(gone), teardown!);
        }
        if (giveUp is null && !_stopping.IsCancellationRequested)
        {
            _log.WorkerFailed(slot.WorkerId, verb, reason, requeue.Count);
        }
        foreach (var job in requeue)
        {
            Requeue(job);
        }
        foreach (var job in alone)
        {
            var deaths = string.Join(", ", job.Deaths!.Select(d => d.WorkerId.ToString(CultureInfo.InvariantCulture)));
            Settle(job, static (j, e) => j.OnFailed(e), new JobFailedException($"it was held by {job.DeathCount} workers that all died ({deaths}); it was not tried again"), alreadySettled: true);
        }
        var lostReason = _failure ?? new WorkerFailedException(slot.WorkerId, reason);
        foreach (var job in lost)
        {
            Settle(job, static (j, e) => j.OnFailed(e), lostReason);
        }
        if (giveUp is not null)
        {
            Fail(giveUp);
        }
        else if (replace)
        {
            _log.WorkerReplaced(slot.WorkerId, Launch(1)[0]);
        }
    }

    /// <summary>
    /// Ends the supervisor's usefulness: every job queued or held fails with <paramref name="failure"/>, and so does
    /// every job submitted from now on. The workers stay until <see cref="DisposeAsync"/>.
    /// </summary>
    private void Fail(Exception failure)
    {
        var abandoned = new List<WorkerJob>();
        lock (_gate)
        {
            _failure ??= failure;
            foreach (var slot in _slots)
            {
                abandoned.AddRange(slot.Outstanding.Values);
                slot.Outstanding.Clear();
            }
        }
        _started.TrySetException(_failure);
        while (_queue.Reader.TryRead(out var queued))
        {
            abandoned.Add(queued);
        }
        foreach (var job in abandoned)
        {
            Settle(job, static (j, e) => j.OnFailed(e), _failure);
        }
    }

    /// <summary>Kills a worker that holds a job past the timeout; its death then requeues the job and replaces it.</summary>
    private async Task WatchAsync()
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.JobTimeout.TotalMilliseconds / 4, 10, 250));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                var late = new List<(Slot Slot, ulong JobId)>();
                long now = Stopwatch.GetTimestamp();
                lock (_gate)
                {
                    foreach (var slot in _slots)
                    {
                        foreach (var job in slot.Outstanding.Values)
                        {
                            if (Stopwatch.GetElapsedTime(job.AssignedTimestamp, now) > _options.JobTimeout)
                            {
                                late.Add((slot, job.Id));
                                break;
                            }
                        }
                    }
                }
                foreach (var (slot, jobId) in late)
                {
                    _log.WorkerKilled(slot.WorkerId, string.Create(CultureInfo.InvariantCulture, $"no answer to job {jobId} within {_options.JobTimeout.TotalMilliseconds:0} ms"));
                    FailWorker(slot, "stopped answering");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The supervisor is stopping.
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>Deaths, replacements, the restart budget and the job-timeout watchdog.</summary>
internal sealed partial class WorkerSupervisor
{
    // The run's budget (serve starts a new one per request): deaths counted against it, deaths explained by a job
    // that failed alone, replacements granted, and replacements waiting for a verdict.
    private int _chargedDeaths;
    private int _explainedDeaths;
    private int _replacementsInRun;
    private int _deferredReplacements;

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
        List<Launching> granted;
        lock (_gate)
        {
            _chargedDeaths = _explainedDeaths = _replacementsInRun = 0;
            granted = GrantDeferredUnsynchronized();
        }
        StartReplacements(granted);
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
    /// whose suspects failed alone is explained by it, never counts, and frees a replacement. Until then a death is
    /// under investigation: it neither fails the run nor gets a replacement beyond the budget, so that two jobs that
    /// both kill their workers can each be found out before the budget judges the run.
    /// </summary>
    private Verdict ResolveUnsynchronized(WorkerJob job, bool failedAlone)
    {
        job.State = JobState.Settled;
        WorkerFailedException? giveUp = null;
        foreach (var death in job.Deaths ?? [])
        {
            if (death.Explained || death.Charged)
            {
                continue;
            }
            if (failedAlone)
            {
                death.Explained = true;
                _explainedDeaths++;
            }
            else if (death.Suspects.TrueForAll(s => s.State == JobState.Settled))
            {
                giveUp ??= ChargeUnsynchronized(death);
            }
        }
        return new Verdict(giveUp, giveUp is null ? GrantDeferredUnsynchronized() : []);
    }

    /// <summary>Counts a death against the run's budget; past the budget the supervisor fails.</summary>
    private WorkerFailedException? ChargeUnsynchronized(WorkerDeath death)
    {
        death.Charged = true;
        if (++_chargedDeaths <= _options.MaxRestarts || _failure is not null)
        {
            return null;
        }
        return GiveUpUnsynchronized(death.WorkerId, death.Reason);
    }

    private WorkerFailedException GiveUpUnsynchronized(uint workerId, string reason)
    {
        var giveUp = new WorkerFailedException(workerId, $"{reason}; giving up after {_options.MaxRestarts} replacements in this run");
        _failure ??= giveUp;
        _deferredReplacements = 0;
        return giveUp;
    }

    /// <summary>Replacements allowed now: the budget, plus one for every death a failed-alone job explained.</summary>
    private bool MayReplaceUnsynchronized() => _replacementsInRun < _options.MaxRestarts + _explainedDeaths;

    /// <summary>Grants replacements that waited for a verdict, as far as the budget now allows; returns how many.</summary>
    private List<Launching> GrantDeferredUnsynchronized()
    {
        int granted = 0;
        while (_deferredReplacements > 0 && _failure is null && MayReplaceUnsynchronized())
        {
            _deferredReplacements--;
            _replacementsInRun++;
            Counters.Replacements++;
            granted++;
        }
        return granted == 0 ? [] : ReserveUnsynchronized(granted);
    }

    private void StartReplacements(List<Launching> launches)
    {
        if (launches.Count > 0)
        {
            StartLaunches(launches);
        }
    }

    /// <summary>Settles a job that had deaths to answer for (rare) and acts on the verdict.</summary>
    private void Resolve(WorkerJob job)
    {
        Verdict verdict;
        lock (_gate)
        {
            verdict = ResolveUnsynchronized(job, failedAlone: false);
        }
        Act(verdict, job);
    }

    /// <summary>
    /// Carries a verdict out: when a job's innocence spends the budget, the supervisor fails, and so does the job's
    /// set, which may have nothing else left to fail it; replacements the verdict freed start.
    /// </summary>
    private void Act(Verdict verdict, WorkerJob? job)
    {
        if (verdict.GiveUp is { } giveUp)
        {
            job?.Set?.Fail(giveUp);
            Fail(giveUp);
        }
        StartReplacements(verdict.Replacements);
    }

    /// <summary>What deciding deaths led to: the run's failure, or replacements to start now.</summary>
    private readonly record struct Verdict(WorkerFailedException? GiveUp, List<Launching> Replacements);

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
        List<Launching>? replacement = null;
        var freed = new List<Launching>();
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
                    var verdict = ResolveUnsynchronized(job, failedAlone: true);
                    giveUp ??= verdict.GiveUp;
                    freed.AddRange(verdict.Replacements);
                }
                if (death.Suspects.Count == 0)
                {
                    giveUp ??= ChargeUnsynchronized(death); // nothing could explain it
                }
                if (giveUp is null && _failure is null)
                {
                    if (MayReplaceUnsynchronized())
                    {
                        _replacementsInRun++;
                        Counters.Replacements++;
                        replacement = ReserveUnsynchronized(1);
                    }
                    else if (_slots.Count > 0)
                    {
                        _deferredReplacements++; // the others work on while the suspects are tried
                    }
                    else
                    {
                        giveUp = GiveUpUnsynchronized(slot.WorkerId, reason); // nobody left to try them
                    }
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
        else if (replacement is not null)
        {
            _log.WorkerReplaced(slot.WorkerId, StartLaunches(replacement)[0]);
        }
        StartReplacements(freed);
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

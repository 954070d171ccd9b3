using System.Diagnostics;
using System.Globalization;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>Deaths, replacements, the restart budget and the job-timeout watchdog.</summary>
internal sealed partial class WorkerSupervisor
{
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

    /// <summary>Throws the failure that ended the supervisor, if one did.</summary>
    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
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
            gone.KillRemote?.Invoke();
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

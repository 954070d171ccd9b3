namespace ProcessFarm.Coordinator.Workers;

/// <summary>The restart budget: which deaths count against a run, which a job that failed alone explains, and when a replacement may start.</summary>
internal sealed partial class WorkerSupervisor
{
    // The run's budget (serve starts a new one per request): deaths counted against it, deaths explained by a job
    // that failed alone, replacements granted, and replacements waiting for a verdict.
    private int _chargedDeaths;
    private int _explainedDeaths;
    private int _replacementsInRun;
    private int _deferredReplacements;

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
}

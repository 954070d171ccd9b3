namespace ProcessFarm.Coordinator.Workers;

/// <summary>How a <see cref="WorkerSupervisor"/> starts, paces and supervises its workers.</summary>
internal sealed record SupervisorOptions
{
    /// <summary>The default options: 2 jobs in flight per worker, 30 s per job, 3 replacements per run, 3 attempts per job.</summary>
    public static SupervisorOptions Default { get; } = new();

    /// <summary>The worker executable; null finds it (<see cref="WorkerLocator"/>).</summary>
    public string? WorkerPath { get; init; }

    /// <summary>Jobs each worker may hold at once: one running, the next already in its socket.</summary>
    public int InFlight { get; init; } = 2;

    /// <summary>A worker that holds a job longer than this is killed, and the job goes to another worker.</summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Worker deaths a run survives (each one replaced); one more fails the run. Deaths explained by a job that
    /// failed alone (see <see cref="MaxJobAttempts"/>) do not count.
    /// </summary>
    public int MaxRestarts { get; init; } = 3;

    /// <summary>A job whose worker died this many times fails alone instead of being tried again.</summary>
    public int MaxJobAttempts { get; init; } = 3;

    /// <summary>How long one worker may take from its spawn to the end of its handshake.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an accepted connection may take to send its Hello before it is refused.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a shut-down worker may take to exit before it is killed.</summary>
    public TimeSpan ExitTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where the private socket directories go; null means $XDG_RUNTIME_DIR or the temp directory.</summary>
    public string? PipeParentDirectory { get; init; }

    /// <summary>Starts workers elsewhere (the cluster mode's nodes); null starts local processes.</summary>
    public IWorkerLauncher? Launcher { get; init; }

    /// <summary>Extra environment variables for worker processes (fault injection in tests).</summary>
    internal IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Tests only: the run's secret instead of a random one.</summary>
    internal byte[]? Secret { get; init; }

    /// <summary>Tests only: called with each listener's socket path before its worker is spawned.</summary>
    internal Action<string>? OnListening { get; init; }

    /// <summary>Checks the ranges; the CLI validates its flags before they get here.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(InFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRestarts, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxJobAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(JobTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadyTimeout, TimeSpan.Zero);
    }
}

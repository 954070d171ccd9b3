namespace ProcessFarm.Coordinator.Workers;

/// <summary>How to start a pool.</summary>
internal sealed record WorkerPoolOptions
{
    /// <summary>The worker executable; null finds it (<see cref="WorkerLocator"/>).</summary>
    public string? WorkerPath { get; init; }

    /// <summary>How long all workers together may take from spawn to handshake.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a shut-down worker may take to exit before it is killed.</summary>
    public TimeSpan ExitTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where the private pipe directory goes; null means $XDG_RUNTIME_DIR or the temp directory.</summary>
    public string? PipeParentDirectory { get; init; }

    /// <summary>Extra environment variables for worker processes (fault injection in tests).</summary>
    internal IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Tests only: the run's secret instead of a random one.</summary>
    internal byte[]? Secret { get; init; }

    /// <summary>Tests only: called with the socket path once it is listening.</summary>
    internal Action<string>? OnListening { get; init; }
}

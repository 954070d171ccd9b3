namespace ProcessFarm.Coordinator.Cli;

/// <summary>Exit codes of <c>processfarm</c>, listed in <c>--help</c> and the README.</summary>
internal enum ExitCode
{
    /// <summary>Success.</summary>
    Success = 0,

    /// <summary>A bug: an unexpected exception.</summary>
    InternalError = 1,

    /// <summary>A bad flag or value.</summary>
    UsageError = 2,

    /// <summary>An input that cannot be used: missing, unreadable, empty, truncated, corrupt, unsupported, too large.</summary>
    InputError = 3,

    /// <summary>The machine is not set up for the run: worker binary missing, workers failing, /dev/shm too small.</summary>
    EnvironmentError = 4,

    /// <summary>Interrupted by SIGINT (Ctrl+C): 128 + 2.</summary>
    Interrupted = 130,

    /// <summary>Terminated by SIGTERM: 128 + 15.</summary>
    Terminated = 143,
}

namespace ProcessFarm.Worker;

/// <summary>How a worker process ends; the coordinator reports these (docs/PROTOCOL.md, "Launching a worker").</summary>
internal enum ExitCode
{
    /// <summary>Shutdown received, or the coordinator closed the pipe.</summary>
    Success = 0,

    /// <summary>An unexpected failure.</summary>
    InternalError = 1,

    /// <summary>Bad command line or no secret on standard input.</summary>
    UsageError = 2,

    /// <summary>The pipe could not be connected.</summary>
    ConnectFailed = 3,

    /// <summary>The coordinator refused the handshake (version or secret), or its TLS certificate was not the pinned one.</summary>
    HandshakeRefused = 4,

    /// <summary>The coordinator broke the protocol beyond recovery (a frame over the size limit).</summary>
    ProtocolError = 5,

    /// <summary>The coordinator (the --parent process) was already gone when the worker started.</summary>
    ParentGone = 6,
}

using System.Runtime.InteropServices;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Turns SIGINT and SIGTERM into cancellation, so every command unwinds through its finally blocks (workers shut
/// down, partial outputs removed) and exits with 130 or 143 instead of dying mid-write.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _signal;

    public ShutdownSignals()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>130 after SIGINT, 143 after SIGTERM.</summary>
    public ExitCode ExitCode => _signal == (int)PosixSignal.SIGTERM ? ExitCode.Terminated : ExitCode.Interrupted;

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the runtime from terminating the process: the command's own unwinding does the exit.
        context.Cancel = true;
        if (Interlocked.CompareExchange(ref _signal, (int)context.Signal, 0) == 0)
        {
            _cancellation.Cancel();
        }
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancellation.Dispose();
    }
}
